import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { JsonPipe } from '@angular/common';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';
import { RenderedAssistant } from '../core/models';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

/** The assistant's instructions template beside what the config service renders from it. */
@Component({
  selector: 'app-template-settings',
  imports: [JsonPipe, ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="grid gap-4 lg:grid-cols-2">
      <form (ngSubmit)="save()" class="space-y-2 rounded-lg border border-gray-200 bg-white p-4">
        <label class="block text-sm font-medium text-gray-700">{{ i18n.t('template.editor') }}
          <textarea [formControl]="template" rows="22" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 font-mono text-xs" data-testid="template"></textarea>
        </label>
        <div class="flex flex-wrap items-center gap-2">
          <button type="submit" [disabled]="save_.busy() || template.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
          <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline">{{ i18n.t('common.resetDefault') }}</button>
        </div>
        <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
      </form>
      <section class="space-y-2 rounded-lg border border-gray-200 bg-white p-4">
        <h2 class="text-sm font-medium text-gray-700">{{ i18n.t('template.preview') }}</h2>
        <p class="text-xs text-gray-500">{{ i18n.t('template.previewNote') }}</p>
        @if (rendered(); as rendered) {
          @if (rendered.unknownVariables.length) {
            <p class="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800" role="alert">{{ i18n.t('template.unknown', { names: rendered.unknownVariables.join(', ') }) }}</p>
          }
          <pre class="max-h-[28rem] overflow-auto whitespace-pre-wrap rounded-md bg-gray-50 p-3 text-xs text-gray-800" data-testid="rendered">{{ rendered.instructions }}</pre>
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
  protected readonly rendered = signal<RenderedAssistant | null>(null);

  ngOnInit(): void {
    this.settings.template().subscribe((template) => this.template.setValue(template));
    this.refreshPreview();
  }

  protected save(): void {
    this.save_.run(this.settings.saveTemplate(this.template.value), () => this.refreshPreview());
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('assistant_instructions_template'), () => this.ngOnInit());
  }

  private refreshPreview(): void {
    this.settings.rendered().subscribe({ next: (rendered) => this.rendered.set(rendered), error: () => undefined });
  }
}
