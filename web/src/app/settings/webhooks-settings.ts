import { ChangeDetectionStrategy, Component, OnDestroy, OnInit, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { AbstractControl, FormControl, FormGroup, ReactiveFormsModule, ValidationErrors, Validators } from '@angular/forms';
import { map } from 'rxjs';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { AgentName } from '../widgets/agent-name';
import { TEXT_MAX, notBlank } from './form-rules';
import { SaveState, SaveStatus } from './save-state';
import { OnceSecret, SecretOnceBox } from './secret-once';
import { WebhookEventsField, describeEventTypes, eventTypesForm, fromEventTypes, toEventTypes } from './webhook-events';
import { DeliveryAttempt, DeliveryStatus, NewWebhook, Webhook, WebhookDelivery, WebhooksService } from './webhooks.service';

/** The gateway's `Url`: at most 2,048 characters. */
export const URL_MAX = 2048;
/** Deliveries one look at a webhook's log asks for. */
export const LOG_LIMIT = 20;

/** An absolute http(s) URL with a host and no spaces (the server checks the rest). */
export function httpUrl(control: AbstractControl<string>): ValidationErrors | null {
  const value = (control.value ?? '').trim();
  if (!value) return null;
  return /^https?:\/\/[^\s/?#]+[^\s]*$/i.test(value) ? null : { url: true };
}

/** The create form: where to POST, which events, and what it is for. */
export function webhookForm() {
  return new FormGroup({
    url: new FormControl('', { nonNullable: true, validators: [notBlank, httpUrl, Validators.maxLength(URL_MAX)] }),
    description: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(TEXT_MAX)] }),
    events: eventTypesForm(),
  });
}

export type WebhookForm = ReturnType<typeof webhookForm>;

/** The body of `POST /webhooks`. */
export function newWebhook(form: WebhookForm): NewWebhook {
  const { url, description, events } = form.getRawValue();
  return { url: url.trim(), eventTypes: toEventTypes(events), description: description.trim() };
}

export const DELIVERY_CLASSES: Record<DeliveryStatus, string> = {
  pending: 'bg-amber-50 text-amber-800',
  delivered: 'bg-green-50 text-green-800',
  failed: 'bg-red-50 text-red-800',
};

/** What an attempt got: the receiver's status, or why no answer came, or both. */
export function attemptOutcome(attempt: DeliveryAttempt): string {
  const parts: string[] = [];
  if (attempt.statusCode !== null) parts.push(`HTTP ${attempt.statusCode}`);
  if (attempt.error) parts.push(attempt.error);
  return parts.join(' · ');
}

const INPUT = 'mt-1 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm';
const BUTTON = 'rounded-md border border-gray-300 bg-white px-2.5 py-1 text-sm font-medium text-gray-800 hover:bg-gray-50 disabled:opacity-50';

/** `/settings/webhooks`: URLs that receive ticket events. Register one (its signing secret shown
 * once), switch it off and on, change its events, delete it, and read its delivery log; a
 * webhook switched off after failing says why. */
@Component({
  selector: 'app-webhooks-settings',
  imports: [ReactiveFormsModule, AgentName, SaveStatus, SecretOnceBox, WebhookEventsField],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="space-y-4">
      <p class="max-w-3xl text-sm text-gray-600">{{ i18n.t('webhooks.intro') }}</p>
      <app-secret-once [secret]="secret" [title]="i18n.t('webhooks.createdTitle', { name: secret.shown()?.label ?? '' })" [note]="i18n.t('webhooks.once')" />

      <div class="grid gap-4 lg:grid-cols-3">
        <div class="space-y-2 lg:col-span-2">
          @if (loadError()) {
            <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ loadError() }}</p>
          }
          <app-save-status [state]="rowState" [savedText]="i18n.t('common.saved')" />
          <ul class="space-y-3" data-testid="webhooks">
            @for (webhook of webhooks(); track webhook.id) {
              <li class="rounded-lg border bg-white p-4" [class]="webhook.enabled ? 'border-gray-200' : 'border-red-200'" data-testid="webhook" [attr.data-webhook-id]="webhook.id" [attr.data-enabled]="webhook.enabled">
                <div class="flex flex-wrap items-start justify-between gap-2">
                  <div class="min-w-0">
                    <p class="break-all font-mono text-sm text-gray-900" data-testid="webhook-url">{{ webhook.url }}</p>
                    @if (webhook.description) {
                      <p class="mt-0.5 text-sm text-gray-600">{{ webhook.description }}</p>
                    }
                  </div>
                  <span class="shrink-0 rounded-full px-2 py-0.5 text-xs font-medium" [class]="webhook.enabled ? 'bg-green-50 text-green-800' : 'bg-red-100 text-red-800'" data-testid="webhook-state">{{ i18n.t(webhook.enabled ? 'webhooks.enabled' : 'webhooks.disabled') }}</span>
                </div>

                @if (!webhook.enabled) {
                  @if (webhook.disabledReason) {
                    <div class="mt-3 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900" role="alert" data-testid="webhook-disabled">
                      <p class="font-semibold">{{ i18n.t('webhooks.disabledTitle', { when: i18n.ago(webhook.disabledAt) }) }}</p>
                      <p class="mt-1 break-words" data-testid="webhook-disabled-reason">{{ webhook.disabledReason }}</p>
                      <p class="mt-1 text-xs text-red-800">{{ i18n.t('webhooks.enableHint') }}</p>
                    </div>
                  } @else {
                    <p class="mt-2 text-sm text-gray-600">{{ i18n.t('webhooks.disabledTitle', { when: i18n.ago(webhook.disabledAt) }) }}</p>
                  }
                }

                <div class="mt-2 flex flex-wrap gap-1" data-testid="webhook-event-types">
                  @for (label of events(webhook); track $index) {
                    <span class="rounded bg-indigo-50 px-1.5 py-0.5 text-xs text-indigo-800">{{ label }}</span>
                  }
                </div>
                <p class="mt-2 text-xs text-gray-500">
                  <span [title]="i18n.dateTime(webhook.createdAt)">{{ i18n.t('webhooks.createdBy', { when: i18n.ago(webhook.createdAt) }) }}</span>&ngsp;<app-agent-name [id]="webhook.createdBy" />
                  @if (webhook.failureCount > 0) {
                    · <span class="font-medium text-amber-800" data-testid="webhook-failures">{{ i18n.t('webhooks.failures', { count: webhook.failureCount }) }}</span>
                  }
                </p>

                <div class="mt-3 flex flex-wrap gap-2">
                  <button type="button" [class]="button" [disabled]="rowState.busy()" (click)="setEnabled(webhook, !webhook.enabled)" data-testid="webhook-toggle">{{ i18n.t(webhook.enabled ? 'webhooks.disable' : 'webhooks.enable') }}</button>
                  <button type="button" [class]="button" (click)="startEdit(webhook)" [attr.aria-expanded]="editing() === webhook.id" data-testid="webhook-edit">{{ i18n.t('webhooks.editEvents') }}</button>
                  <button type="button" [class]="button" (click)="toggleLog(webhook)" [attr.aria-expanded]="logFor() === webhook.id" data-testid="webhook-log">{{ i18n.t('webhooks.deliveries') }}</button>
                  <button type="button" class="rounded-md border border-red-200 px-2.5 py-1 text-sm text-red-700 disabled:opacity-50" [disabled]="rowState.busy()" (click)="confirming.set(webhook.id)" data-testid="webhook-delete">{{ i18n.t('common.delete') }}</button>
                </div>

                @if (confirming() === webhook.id) {
                  <div class="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900" role="alertdialog" [attr.aria-label]="webhook.url">
                    <p>{{ i18n.t('webhooks.deleteConfirm', { url: webhook.url }) }}</p>
                    <div class="mt-2 flex gap-2">
                      <button type="button" class="rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white" (click)="remove(webhook)" data-testid="webhook-delete-confirm">{{ i18n.t('common.delete') }}</button>
                      <button type="button" class="rounded-md border border-amber-300 bg-white px-3 py-1.5 text-sm" (click)="confirming.set(null)">{{ i18n.t('common.cancel') }}</button>
                    </div>
                  </div>
                }

                @if (editing() === webhook.id) {
                  <form [formGroup]="editForm" (ngSubmit)="saveEvents(webhook)" class="mt-3 space-y-2 rounded-md border border-gray-200 p-3" data-testid="webhook-edit-form">
                    <app-webhook-events [group]="editForm" prefix="edit" [error]="editState.reasonUnder('eventTypes')" />
                    <div class="flex flex-wrap items-center gap-2">
                      <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50" [disabled]="editState.busy() || editForm.invalid" data-testid="webhook-edit-save">{{ i18n.t('common.save') }}</button>
                      <button type="button" [class]="button" (click)="editing.set(null)">{{ i18n.t('common.cancel') }}</button>
                    </div>
                    <app-save-status [state]="editState" />
                  </form>
                }

                @if (logFor() === webhook.id) {
                  <div class="mt-3 rounded-md border border-gray-200 p-3" data-testid="webhook-deliveries">
                    <div class="flex items-center justify-between gap-2">
                      <h3 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('webhooks.recentDeliveries') }}</h3>
                      <button type="button" [class]="button" [disabled]="logBusy()" (click)="loadLog(webhook.id)" data-testid="webhook-log-refresh">{{ i18n.t('webhooks.refresh') }}</button>
                    </div>
                    @if (logError()) {
                      <p class="mt-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ logError() }}</p>
                    }
                    @if (log(); as deliveries) {
                      <ul class="mt-2 divide-y divide-gray-100">
                        @for (delivery of deliveries; track delivery.id) {
                          <li class="py-2 text-sm" data-testid="delivery" [attr.data-status]="delivery.status">
                            <div class="flex flex-wrap items-center gap-x-3 gap-y-1">
                              <span class="rounded-full px-2 py-0.5 text-xs font-medium" [class]="statusClass(delivery.status)" data-testid="delivery-status">{{ i18n.t(statusLabel(delivery.status)) }}</span>
                              <span class="font-medium text-gray-900">{{ eventName(delivery.eventType) }}</span>
                              <code class="text-xs text-gray-500">{{ delivery.eventType }}</code>
                              <time class="ml-auto text-xs text-gray-500" [attr.datetime]="delivery.createdAt" [title]="i18n.dateTime(delivery.createdAt)">{{ i18n.ago(delivery.createdAt) }}</time>
                            </div>
                            <p class="mt-1 text-xs text-gray-600">
                              {{ i18n.t('webhooks.attempts', { count: delivery.attemptCount }) }}
                              @if (delivery.status === 'pending' && delivery.nextAttemptAt) {
                                · <span data-testid="delivery-next" [title]="i18n.dateTime(delivery.nextAttemptAt)">{{ i18n.t('webhooks.nextAttempt', { when: i18n.ago(delivery.nextAttemptAt) }) }}</span>
                              }
                              · <span class="font-mono">{{ delivery.eventId }}</span>
                            </p>
                            @if (delivery.attempts.length) {
                              <ol class="mt-1 space-y-0.5 pl-4 text-xs text-gray-700">
                                @for (attempt of delivery.attempts; track $index) {
                                  <li class="flex flex-wrap gap-x-2" data-testid="delivery-attempt">
                                    <time [attr.datetime]="attempt.at">{{ i18n.dateTime(attempt.at) }}</time>
                                    <span [class]="attempt.error || (attempt.statusCode ?? 0) >= 300 ? 'text-red-700' : 'text-green-700'">{{ outcome(attempt) }}</span>
                                    <span class="text-gray-500">{{ i18n.t('webhooks.duration', { ms: attempt.durationMs }) }}</span>
                                  </li>
                                }
                              </ol>
                            }
                          </li>
                        } @empty {
                          <li class="py-2 text-sm text-gray-500">{{ i18n.t('webhooks.noDeliveries') }}</li>
                        }
                      </ul>
                    } @else if (!logError()) {
                      <p class="mt-2 text-sm text-gray-500">{{ i18n.t('common.loading') }}</p>
                    }
                  </div>
                }
              </li>
            } @empty {
              <li class="rounded-lg border border-gray-200 bg-white p-4 text-center text-sm text-gray-500">{{ i18n.t('webhooks.empty') }}</li>
            }
          </ul>
        </div>

        <form [formGroup]="form" (ngSubmit)="create()" class="space-y-3 self-start rounded-lg border border-gray-200 bg-white p-4" data-testid="webhook-form">
          <h2 class="text-sm font-medium text-gray-900">{{ i18n.t('webhooks.create') }}</h2>
          <label class="block text-sm text-gray-700">{{ i18n.t('webhooks.url') }}
            <input type="url" formControlName="url" [maxlength]="urlMax" [class]="input + ' font-mono'" placeholder="https://" [attr.aria-invalid]="urlProblem() ? true : null" data-testid="webhook-url-input" />
            <span class="text-xs text-red-700" role="alert" data-error-for="url">{{ urlProblem() }}</span>
          </label>
          <label class="block text-sm text-gray-700">{{ i18n.t('webhooks.description') }}
            <input formControlName="description" [maxlength]="textMax" [class]="input" [placeholder]="i18n.t('webhooks.descriptionPlaceholder')" data-testid="webhook-description" />
            <span class="text-xs text-red-700" role="alert" data-error-for="description">{{ createState.reason('description') }}</span>
          </label>
          <app-webhook-events [group]="form.controls.events" prefix="new" [error]="createState.reasonUnder('eventTypes')" />
          <button type="submit" [disabled]="createState.busy() || form.invalid" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50" data-testid="webhook-create">{{ i18n.t('webhooks.create') }}</button>
          <app-save-status [state]="createState" [savedText]="i18n.t('webhooks.createdDone')" />
        </form>
      </div>
    </div>
  `,
})
export class WebhooksSettings implements OnInit, OnDestroy {
  protected readonly i18n = inject(I18nService);
  private readonly service = inject(WebhooksService);
  protected readonly input = INPUT;
  protected readonly button = BUTTON;
  protected readonly urlMax = URL_MAX;
  protected readonly textMax = TEXT_MAX;
  protected readonly webhooks = toSignal(this.service.webhooks$, { initialValue: [] });
  protected readonly loadError = signal('');
  protected readonly createState = new SaveState();
  protected readonly rowState = new SaveState();
  protected readonly editState = new SaveState();
  protected readonly confirming = signal<string | null>(null);
  protected readonly editing = signal<string | null>(null);
  protected readonly logFor = signal<string | null>(null);
  protected readonly log = signal<WebhookDelivery[] | null>(null);
  protected readonly logBusy = signal(false);
  protected readonly logError = signal('');
  /** The new webhook's signing secret, shown once: kept only by this page. */
  protected readonly secret = new OnceSecret();
  protected readonly form = webhookForm();
  protected readonly editForm = eventTypesForm();

  private readonly url = this.form.controls.url;
  private readonly urlInvalid = toSignal(this.url.events.pipe(map(() => this.url.hasError('url') && (this.url.dirty || this.url.touched))), {
    initialValue: false,
  });

  ngOnInit(): void {
    this.service.refresh().subscribe({
      next: () => this.loadError.set(''),
      error: (error: unknown) => this.loadError.set(this.i18n.t('common.error', { message: toApiError(error).message })),
    });
  }

  ngOnDestroy(): void {
    this.secret.dismiss();
  }

  /** The URL's problem: the server's (a 422 on `url`) or this form's own. */
  protected urlProblem(): string {
    return this.createState.reason('url') || (this.urlInvalid() ? this.i18n.t('webhooks.urlInvalid') : '');
  }

  protected events(webhook: Webhook): string[] {
    return describeEventTypes(webhook.eventTypes, (key) => this.i18n.t(key));
  }

  protected eventName(type: string): string {
    return describeEventTypes([type], (key) => this.i18n.t(key))[0];
  }

  protected statusLabel(status: DeliveryStatus): MessageKey {
    return `delivery.${status}`;
  }

  protected statusClass(status: DeliveryStatus): string {
    return DELIVERY_CLASSES[status];
  }

  protected outcome(attempt: DeliveryAttempt): string {
    return attemptOutcome(attempt);
  }

  protected create(): void {
    if (this.form.invalid) return;
    const body = newWebhook(this.form);
    this.secret.dismiss();
    this.createState.run(this.service.create(body), ({ webhook, secret }) => {
      this.secret.show(secret, webhook.url);
      this.form.reset();
    });
  }

  protected setEnabled(webhook: Webhook, enabled: boolean): void {
    this.rowState.run(this.service.update(webhook.id, { enabled }));
  }

  protected startEdit(webhook: Webhook): void {
    if (this.editing() === webhook.id) {
      this.editing.set(null);
      return;
    }
    this.editState.clear();
    this.editForm.reset(fromEventTypes(webhook.eventTypes));
    this.editing.set(webhook.id);
  }

  protected saveEvents(webhook: Webhook): void {
    if (this.editForm.invalid) return;
    const eventTypes = toEventTypes(this.editForm.getRawValue());
    this.editState.run(this.service.update(webhook.id, { eventTypes }), () => this.editing.set(null));
  }

  protected remove(webhook: Webhook): void {
    this.confirming.set(null);
    this.rowState.run(this.service.remove(webhook.id), () => {
      if (this.logFor() === webhook.id) this.logFor.set(null);
      if (this.editing() === webhook.id) this.editing.set(null);
    });
  }

  protected toggleLog(webhook: Webhook): void {
    if (this.logFor() === webhook.id) {
      this.logFor.set(null);
      return;
    }
    this.logFor.set(webhook.id);
    this.loadLog(webhook.id);
  }

  protected loadLog(id: string): void {
    this.log.set(null);
    this.logError.set('');
    this.logBusy.set(true);
    this.service.deliveries(id, LOG_LIMIT).subscribe({
      next: ({ deliveries }) => {
        this.logBusy.set(false);
        if (this.logFor() === id) this.log.set(deliveries);
      },
      error: (error: unknown) => {
        this.logBusy.set(false);
        this.logError.set(this.i18n.t('common.error', { message: toApiError(error).message }));
      },
    });
  }
}
