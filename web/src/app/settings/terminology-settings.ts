import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { Terminology } from '../core/models';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

const FIELDS: (keyof Terminology)[] = ['ticketSingular', 'ticketPlural', 'createVerb', 'customerNoun', 'agentNoun', 'resolveVerb'];

/** The words the whole console (and the assistant) uses for tickets, customers, agents. */
@Component({
  selector: 'app-terminology-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="max-w-2xl space-y-3 rounded-lg border border-gray-200 bg-white p-4">
      <div class="grid gap-3 sm:grid-cols-2">
        @for (field of fields; track field) {
          <label class="text-sm text-gray-700">{{ i18n.t(labelOf(field)) }}
            <input [formControlName]="field" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm" [attr.data-testid]="'term-' + field" />
            <span class="text-xs text-red-700" role="alert">{{ save_.reason(field) }}</span>
          </label>
        }
      </div>
      <div class="flex flex-wrap items-center gap-2">
        <button type="submit" [disabled]="save_.busy() || form.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
        <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline">{{ i18n.t('common.resetDefault') }}</button>
      </div>
      <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    </form>
  `,
})
export class TerminologySettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  protected readonly save_ = new SaveState();
  protected readonly fields = FIELDS;
  protected readonly form = new FormGroup({
    ticketSingular: required(),
    ticketPlural: required(),
    createVerb: required(),
    customerNoun: required(),
    agentNoun: required(),
    resolveVerb: required(),
  });

  ngOnInit(): void {
    this.settings.terminology().subscribe((terminology) => this.form.setValue(terminology));
  }

  protected labelOf(field: keyof Terminology): MessageKey {
    return `terminology.${field}`;
  }

  protected save(): void {
    this.save_.run(this.settings.saveTerminology(this.form.getRawValue()), (saved) => this.form.setValue(saved));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('ticket_terminology'), () => this.ngOnInit());
  }
}

function required(): FormControl<string> {
  return new FormControl('', { nonNullable: true, validators: [Validators.required] });
}
