import { ChangeDetectionStrategy, Component, computed, inject, input, output } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { AbstractControl, FormControl, FormGroup, ReactiveFormsModule, ValidationErrors, Validators } from '@angular/forms';
import { map } from 'rxjs';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { TicketStatus } from '../core/models';

/** The usual reasons to close a ticket nobody resolved (the tickets service's `CLOSE_REASONS`);
 * any other words are accepted too. */
export const CLOSE_REASONS = ['duplicate', 'spam', 'no_response'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];
/** What the form's radio buttons hold: one of the usual reasons, `other` (typed), or nothing yet. */
export type CloseChoice = CloseReason | 'other' | '';

/** A reason is a `Text` on the wire: at most 2,000 characters. */
export const CLOSE_REASON_MAX = 2000;

/** Closing asks for a reason unless the ticket was resolved first. */
export function needsCloseReason(status: TicketStatus): boolean {
  return status !== 'resolved';
}

function typedWhenOther(group: AbstractControl<{ choice?: CloseChoice; other?: string }>): ValidationErrors | null {
  const { choice, other } = group.value;
  return choice === 'other' && !(other ?? '').trim() ? { otherRequired: true } : null;
}

/** The close form: one of the usual reasons, or `other` with words of one's own (required). */
export function closeReasonForm() {
  return new FormGroup(
    {
      choice: new FormControl<CloseChoice>('', { nonNullable: true, validators: [Validators.required] }),
      other: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(CLOSE_REASON_MAX)] }),
    },
    { validators: typedWhenOther },
  );
}

export type CloseReasonForm = ReturnType<typeof closeReasonForm>;

/** The reason as `POST /tickets/{id}/status` takes it: the usual reason's code, or the typed words. */
export function toCloseReason(form: CloseReasonForm): string {
  const { choice, other } = form.getRawValue();
  return choice === 'other' ? other.trim() : choice;
}

export function isCloseReason(reason: string): reason is CloseReason {
  return (CLOSE_REASONS as readonly string[]).includes(reason);
}

export function closeReasonKey(reason: CloseReason): MessageKey {
  return `closeReason.${reason}`;
}

/** A stored reason in words: the usual ones labelled, anything else as it was typed. */
export function closeReasonLabel(reason: string, t: (key: MessageKey) => string): string {
  return isCloseReason(reason) ? t(closeReasonKey(reason)) : reason;
}

const INPUT = 'block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm';

/** Asks why a ticket that is not resolved is being closed: one of the usual reasons (labelled)
 * or words of one's own. Emits the reason; the server's complaint about it shows under it. */
@Component({
  selector: 'app-ticket-close',
  imports: [ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()" class="space-y-2 rounded-md border border-amber-200 bg-amber-50 p-3" role="group" [attr.aria-label]="i18n.t('close.title')" data-testid="close-form">
      <fieldset>
        <legend class="text-sm font-medium text-gray-900">{{ i18n.t('close.reason') }}</legend>
        <p class="text-xs text-gray-600">{{ i18n.t('close.hint') }}</p>
        <div class="mt-2 space-y-1">
          @for (reason of reasons; track reason) {
            <label class="flex items-center gap-2 text-sm text-gray-800">
              <input type="radio" formControlName="choice" [value]="reason" class="h-4 w-4 border-gray-300" [attr.data-testid]="'close-reason-' + reason" />
              {{ i18n.t(labelKey(reason)) }}
            </label>
          }
          <label class="flex items-center gap-2 text-sm text-gray-800">
            <input type="radio" formControlName="choice" value="other" class="h-4 w-4 border-gray-300" data-testid="close-reason-other" />
            {{ i18n.t('close.other') }}
          </label>
          <input formControlName="other" (focus)="chooseOther()" [maxlength]="max" [class]="input" [placeholder]="i18n.t('close.otherPlaceholder')" [attr.aria-label]="i18n.t('close.other')" [attr.aria-invalid]="otherMissing() || !!serverError() || null" data-testid="close-reason-text" />
        </div>
        @if (otherMissing()) {
          <p class="mt-1 text-xs text-red-700" role="alert" data-error-for="reason">{{ i18n.t('form.required') }}</p>
        } @else if (serverError()) {
          <p class="mt-1 text-xs text-red-700" role="alert" data-error-for="reason">{{ serverError() }}</p>
        }
      </fieldset>
      <div class="flex flex-wrap gap-2">
        <button type="submit" [disabled]="busy() || !valid()" class="rounded-md bg-amber-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-700 disabled:opacity-50" data-testid="close-confirm">{{ i18n.t('close.submit') }}</button>
        <button type="button" (click)="cancelled.emit()" class="rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium text-gray-800" data-testid="close-cancel">{{ i18n.t('common.cancel') }}</button>
      </div>
    </form>
  `,
})
export class TicketCloseForm {
  protected readonly i18n = inject(I18nService);
  readonly busy = input(false);
  /** The server's reason for refusing the given reason (a 422 on `reason`). */
  readonly serverError = input('');
  readonly confirmed = output<string>();
  readonly cancelled = output<void>();

  protected readonly input = INPUT;
  protected readonly max = CLOSE_REASON_MAX;
  protected readonly reasons = CLOSE_REASONS;
  readonly form = closeReasonForm();
  /** Valid, and "other" chosen but left empty once touched; re-read on every value, status or
   * touched change of the form or its controls. */
  private readonly state = toSignal(this.form.events.pipe(map(() => this.read())), { initialValue: this.read() });
  protected readonly valid = computed(() => this.state().valid);
  protected readonly otherMissing = computed(() => this.state().otherMissing);

  protected labelKey(reason: CloseReason): MessageKey {
    return closeReasonKey(reason);
  }

  /** Typing a reason of one's own picks "other". */
  protected chooseOther(): void {
    if (this.form.controls.choice.value !== 'other') this.form.controls.choice.setValue('other');
  }

  private read(): { valid: boolean; otherMissing: boolean } {
    const other = this.form.controls.other;
    return { valid: this.form.valid, otherMissing: this.form.hasError('otherRequired') && (other.touched || other.dirty) };
  }

  protected submit(): void {
    if (this.form.invalid) return;
    this.confirmed.emit(toCloseReason(this.form));
  }
}
