import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { JsonPipe } from '@angular/common';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { map } from 'rxjs';

import { ApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { RenderedAssistant } from '../core/models';
import { LivePreview } from './live-preview';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

/** Quiet time after the last keystroke before the draft is rendered. */
export const TEMPLATE_PREVIEW_WAIT_MS = 500;

/** The assistant's instructions template beside what the config service renders from the draft
 * being typed (`POST /config/instructions-template/preview`; nothing is saved). */
@Component({
  selector: 'app-template-settings',
  imports: [JsonPipe, ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="grid gap-4 lg:grid-cols-2">
      <form [formGroup]="form" (ngSubmit)="save()" class="space-y-2 rounded-lg border border-gray-200 bg-white p-4">
        <label class="block text-sm font-medium text-gray-700">{{ i18n.t('template.editor') }}
          <textarea formControlName="template" rows="22" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 font-mono text-xs" data-testid="template"></textarea>
        </label>
        <div class="flex flex-wrap items-center gap-2">
          <button type="submit" [disabled]="save_.busy() || template.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
          <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline">{{ i18n.t('common.resetDefault') }}</button>
        </div>
        <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
      </form>
      <section class="space-y-2 rounded-lg border border-gray-200 bg-white p-4" [attr.aria-busy]="preview.pending()">
        <h2 class="flex items-baseline gap-2 text-sm font-medium text-gray-700">
          {{ i18n.t('template.preview') }}
          @if (preview.pending()) {
            <span class="text-gray-400" data-testid="rendered-pending" [attr.title]="i18n.t('common.loading')">…</span>
          }
        </h2>
        <p class="text-xs text-gray-500">{{ i18n.t('template.previewNote') }}</p>
        @if (preview.error(); as error) {
          <p class="text-xs text-amber-700" data-testid="rendered-error">{{ i18n.t('preview.failed', { message: problem(error) }) }}</p>
        }
        @if (preview.value(); as rendered) {
          @if (rendered.unknownVariables.length) {
            <div class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800" role="alert" data-testid="unknown-variables">
              <p>{{ i18n.t('template.unknown') }}</p>
              <ul class="mt-1 flex flex-wrap gap-1">
                @for (name of rendered.unknownVariables; track name) {
                  <li><code class="rounded bg-amber-100 px-1.5 py-0.5 font-mono text-xs" data-testid="unknown-variable">{{ braced(name) }}</code></li>
                }
              </ul>
            </div>
          }
          <pre class="max-h-[28rem] overflow-auto whitespace-pre-wrap rounded-md bg-gray-50 p-3 text-xs text-gray-800" [class.opacity-60]="preview.pending()" data-testid="rendered">{{ rendered.instructions }}</pre>
          <details>
            <summary class="cursor-pointer text-sm text-gray-700">{{ i18n.t('template.tools') }} ({{ rendered.tools.length }})</summary>
            <pre class="mt-2 max-h-80 overflow-auto rounded-md bg-gray-50 p-3 text-xs">{{ rendered.tools | json }}</pre>
          </details>
        }
      </section>
    </div>
  `,
})
export class TemplateSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  protected readonly save_ = new SaveState();
  protected readonly template = new FormControl('', { nonNullable: true, validators: [Validators.required] });
  protected readonly form = new FormGroup({ template: this.template });
  /** The draft as the assistant would get it; a blank draft is not rendered. */
  protected readonly preview = new LivePreview<string, RenderedAssistant>(
    this.template.valueChanges.pipe(map(draftOf)),
    (template) => this.settings.previewTemplate(template),
    TEMPLATE_PREVIEW_WAIT_MS,
    (template) => template,
  );

  ngOnInit(): void {
    this.settings.template().subscribe((template) => {
      this.template.setValue(template);
      this.preview.now(draftOf(template));
    });
  }

  protected save(): void {
    this.save_.run(this.settings.saveTemplate(this.template.value));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('assistant_instructions_template'), () => this.ngOnInit());
  }

  /** An unknown variable as it stays in the text. */
  protected braced(name: string): string {
    return `{${name}}`;
  }

  protected problem(error: ApiError): string {
    return [error.message, ...error.details.map((detail) => detail.reason)].join(' · ');
  }
}

function draftOf(template: string): string | null {
  return template.trim() ? template : null;
}
