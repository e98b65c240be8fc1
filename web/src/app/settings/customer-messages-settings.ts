import { HttpClient } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { forkJoin, map } from 'rxjs';

import { Answer } from '../core/api';
import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { SaveState, SaveStatus } from './save-state';

const BASE = '/api/v2/config';
type Updates = Answer<'/api/v2/config/customer-updates', 'get'>['updates'];
type Survey = Answer<'/api/v2/config/satisfaction-survey', 'get'>['survey'];
type Moment = 'received' | 'inProgress' | 'resolved';
const MOMENTS: { key: Moment; label: MessageKey }[] = [
  { key: 'received', label: 'customerMessages.received' },
  { key: 'inProgress', label: 'customerMessages.inProgress' },
  { key: 'resolved', label: 'customerMessages.resolved' },
];

function messageGroup(): FormGroup<{ enabled: FormControl<boolean>; template: FormControl<string> }> {
  return new FormGroup({
    enabled: new FormControl(false, { nonNullable: true }),
    template: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(1000)] }),
  });
}

/** What the customer is told, and when: the updates on their ticket's status (each on or off,
 * worded with the terminology's variables), the satisfaction survey on resolution, and whether
 * the assistant's handoff to the agents raises the ticket's priority. */
@Component({
  selector: 'app-customer-messages-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="max-w-2xl space-y-4 rounded-lg border border-gray-200 bg-white p-4" data-testid="customer-messages">
      <p class="text-sm text-gray-600">{{ i18n.t('customerMessages.hint') }}</p>
      @if (!loaded()) {
        <p class="text-sm text-gray-500">{{ i18n.t('common.loading') }}</p>
      } @else {
      @for (moment of moments; track moment.key) {
        <fieldset [formGroupName]="moment.key" class="space-y-1 rounded-md border border-gray-200 p-3" [attr.data-moment]="moment.key">
          <legend class="px-1 text-sm font-medium text-gray-900">{{ i18n.t(moment.label) }}</legend>
          <label class="flex items-center gap-2 text-sm text-gray-700"><input type="checkbox" formControlName="enabled" class="rounded border-gray-300" />{{ i18n.t('customerMessages.send') }}</label>
          <label class="block text-xs text-gray-600">{{ i18n.t('customerMessages.template') }}
            <textarea formControlName="template" rows="2" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm"></textarea>
          </label>
        </fieldset>
      }
      <fieldset formGroupName="survey" class="space-y-1 rounded-md border border-gray-200 p-3" data-moment="survey">
        <legend class="px-1 text-sm font-medium text-gray-900">{{ i18n.t('customerMessages.survey') }}</legend>
        <label class="flex items-center gap-2 text-sm text-gray-700"><input type="checkbox" formControlName="enabled" class="rounded border-gray-300" />{{ i18n.t('customerMessages.send') }}</label>
        <label class="block text-xs text-gray-600">{{ i18n.t('customerMessages.template') }}
          <textarea formControlName="template" rows="2" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm"></textarea>
        </label>
      </fieldset>
      <label class="flex items-center gap-2 text-sm text-gray-700"><input type="checkbox" [formControl]="form.controls.raisePriority" class="rounded border-gray-300" data-testid="handoff-raise" />{{ i18n.t('customerMessages.raisePriority') }}</label>
      <p class="text-xs text-gray-500">{{ i18n.t('customerMessages.variables') }}</p>
      }
      <div class="flex items-center gap-2">
        <button type="submit" [disabled]="!loaded() || save_.busy() || form.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
      </div>
      <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    </form>
  `,
})
export class CustomerMessagesSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly http = inject(HttpClient);
  protected readonly save_ = new SaveState();
  protected readonly moments = MOMENTS;
  protected readonly form = new FormGroup({
    received: messageGroup(),
    inProgress: messageGroup(),
    resolved: messageGroup(),
    survey: messageGroup(),
    raisePriority: new FormControl(false, { nonNullable: true }),
  });
  private survey: Survey | null = null;
  /** Shown (and editable) once the saved values are in: nothing typed is overwritten by them. */
  protected readonly loaded = signal(false);

  ngOnInit(): void {
    forkJoin({
      updates: this.http.get<Answer<'/api/v2/config/customer-updates', 'get'>>(`${BASE}/customer-updates`).pipe(map((a) => a.updates)),
      survey: this.http.get<Answer<'/api/v2/config/satisfaction-survey', 'get'>>(`${BASE}/satisfaction-survey`).pipe(map((a) => a.survey)),
      handoff: this.http.get<Answer<'/api/v2/config/handoff', 'get'>>(`${BASE}/handoff`).pipe(map((a) => a.policy)),
    }).subscribe(({ updates, survey, handoff }) => this.show(updates, survey, handoff.raisePriority ?? false));
  }

  private show(updates: Updates, survey: Survey, raisePriority: boolean): void {
    this.survey = survey;
    const pick = (u: { enabled?: boolean; template: string }) => ({ enabled: u.enabled ?? false, template: u.template });
    this.form.setValue({
      received: pick(updates.received),
      inProgress: pick(updates.inProgress),
      resolved: pick(updates.resolved),
      survey: { enabled: survey.enabled ?? false, template: survey.template ?? '' },
      raisePriority,
    });
    this.loaded.set(true);
  }

  protected save(): void {
    const value = this.form.getRawValue();
    const updates = { received: value.received, inProgress: value.inProgress, resolved: value.resolved };
    const survey = { ...(this.survey ?? {}), enabled: value.survey.enabled, template: value.survey.template };
    const saved = forkJoin({
      updates: this.http.put<Answer<'/api/v2/config/customer-updates', 'put'>>(`${BASE}/customer-updates`, updates).pipe(map((a) => a.updates)),
      survey: this.http.put<Answer<'/api/v2/config/satisfaction-survey', 'put'>>(`${BASE}/satisfaction-survey`, survey).pipe(map((a) => a.survey)),
      handoff: this.http.put<Answer<'/api/v2/config/handoff', 'put'>>(`${BASE}/handoff`, { raisePriority: value.raisePriority }).pipe(map((a) => a.policy)),
    });
    this.save_.run(saved, (done) => {
      this.show(done.updates, done.survey, done.handoff.raisePriority ?? false);
    });
  }
}
