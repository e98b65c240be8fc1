import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { AssistantConfig, Language } from '../core/models';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

const TEXT_FIELDS = [
  'assistantName',
  'companyName',
  'ticketNoun',
  'ticketNounPlural',
  'primaryServiceIssue',
  'serviceType',
] as const;

/** The assistant's name, company, nouns, greeting and language (also the console's language). */
@Component({
  selector: 'app-assistant-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="max-w-3xl space-y-3 rounded-lg border border-gray-200 bg-white p-4">
      <div class="grid gap-3 sm:grid-cols-2">
        @for (field of textFields; track field) {
          <label class="text-sm text-gray-700">{{ i18n.t(labelOf(field)) }}
            <input [formControlName]="field" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm" />
            <span class="text-xs text-red-700" role="alert">{{ save_.reason(field) }}</span>
          </label>
        }
        <label class="text-sm text-gray-700">{{ i18n.t('assistant.language') }}
          <select formControlName="language" class="mt-1 block w-full rounded-md border border-gray-300 bg-white px-3 py-2 text-sm" data-testid="assistant-language">
            <option value="es">Español</option>
            <option value="en">English</option>
          </select>
        </label>
      </div>
      <label class="block text-sm text-gray-700">{{ i18n.t('assistant.greetingMessage') }}
        <textarea formControlName="greetingMessage" rows="3" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm"></textarea>
      </label>
      <div class="flex flex-wrap items-center gap-2">
        <button type="submit" [disabled]="save_.busy() || form.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
        <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline">{{ i18n.t('common.resetDefault') }}</button>
      </div>
      <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    </form>
  `,
})
export class AssistantSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  protected readonly save_ = new SaveState();
  protected readonly textFields = TEXT_FIELDS;
  protected readonly form = new FormGroup({
    assistantName: text(true),
    companyName: text(true),
    ticketNoun: text(true),
    ticketNounPlural: text(true),
    primaryServiceIssue: text(false),
    serviceType: text(false),
    greetingMessage: text(false),
    language: new FormControl<Language>('es', { nonNullable: true }),
  });

  ngOnInit(): void {
    this.settings.assistant().subscribe((config) => this.form.setValue({ ...config, greetingMessage: config.greetingMessage ?? '' }));
  }

  protected labelOf(field: (typeof TEXT_FIELDS)[number]): MessageKey {
    return `assistant.${field}`;
  }

  protected save(): void {
    const value = this.form.getRawValue();
    const config: AssistantConfig = { ...value, greetingMessage: value.greetingMessage.trim() || null };
    this.save_.run(this.settings.saveAssistant(config));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('assistant_configuration'), () => this.ngOnInit());
  }
}

function text(required: boolean): FormControl<string> {
  return new FormControl('', { nonNullable: true, validators: required ? [Validators.required] : [] });
}
