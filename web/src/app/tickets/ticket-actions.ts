import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Observable } from 'rxjs';

import { AgentsService } from '../core/agents.service';
import { toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { Ticket, TicketStatus } from '../core/models';
import { TicketService } from './ticket.service';
import { CannedReplyPicker } from '../widgets/canned-reply-picker';
import { TicketCloseForm } from './ticket-close';
import { acceptsFeedback, canResolve, closesWithReason, nextStatuses, plainMoves } from './ticket-workflow';

const INPUT = 'block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm';
const BUTTON = 'rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium text-gray-800 hover:bg-gray-50 disabled:opacity-50';
const PRIMARY = 'rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50';

/** What can be done to a ticket now: only the allowed next states, assignment, notes,
 * resolution, closing (with a reason unless resolved), escalation and the customer's rating.
 * A 409 (someone changed it first, or a move no longer allowed) is explained and the ticket
 * reloaded. */
@Component({
  selector: 'app-ticket-actions',
  imports: [AsyncPipe, CannedReplyPicker, ReactiveFormsModule, TicketCloseForm],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="space-y-4" [attr.aria-label]="i18n.t('ticket.actions')">
      @if (problem()) {
        <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="action-error">{{ problem() }}</p>
      }

      <div>
        <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.status') }}</h3>
        @if (moves().length === 0 && !resolvable() && !closable()) {
          <p class="text-sm text-gray-500">{{ i18n.t('ticket.noMoves') }}</p>
        }
        <div class="flex flex-wrap gap-2">
          @for (status of moves(); track status) {
            <button type="button" [class]="button" [disabled]="busy()" (click)="move(status)" [attr.data-move]="status">{{ i18n.t('ticket.moveTo', { status: i18n.status(status) }) }}</button>
          }
          @if (closable() && !closing()) {
            <button type="button" [class]="button" [disabled]="busy()" (click)="openClose()" data-testid="close-open">{{ i18n.t('close.open') }}</button>
          }
        </div>
        @if (closable() && closing()) {
          <div class="mt-2">
            <app-ticket-close [busy]="busy()" [serverError]="closeError()" (confirmed)="close($event)" (cancelled)="closing.set(false)" />
          </div>
        }
      </div>

      @if (resolvable()) {
        <form [formGroup]="resolveForm" (ngSubmit)="resolve()" class="space-y-2">
          <label class="block text-sm font-medium text-gray-700">{{ i18n.t('ticket.resolutionNotes') }}
            <textarea formControlName="notes" rows="2" [class]="input" data-testid="resolution-notes"></textarea>
          </label>
          <button type="submit" [class]="primary" [disabled]="busy() || resolveForm.invalid" data-testid="resolve">{{ i18n.t('ticket.resolve') }}</button>
        </form>
      }

      <div>
        <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.assign') }}</h3>
        <div class="flex flex-wrap gap-2">
          @if (ticket().assignedAgent !== auth.agent?.id) {
            <button type="button" [class]="button" [disabled]="busy()" (click)="assign(auth.agent!.id)" data-testid="assign-me">{{ i18n.t('ticket.assignToMe') }}</button>
          }
          <select [formControl]="assignee" [class]="input + ' w-auto min-w-0 flex-1'" [attr.aria-label]="i18n.t('ticket.assignTo')" data-testid="assignee">
            <option value="">{{ i18n.t('ticket.assignTo') }}…</option>
            @for (agent of agents.active$ | async; track agent.id) {
              <option [value]="agent.id">{{ agent.firstName }} {{ agent.lastName }}</option>
            }
          </select>
          <button type="button" [class]="button" [disabled]="busy() || !assignee.value" (click)="assign(assignee.value)">{{ i18n.t('ticket.assign') }}</button>
        </div>
      </div>

      <form [formGroup]="noteForm" (ngSubmit)="addNote()" class="space-y-2">
        <h3 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.addNote') }}</h3>
        <textarea formControlName="content" rows="3" [class]="input" [appCannedReplies]="ticket().ticketId" [attr.aria-label]="i18n.t('ticket.noteContent')" data-testid="note-content"></textarea>
        <div class="flex flex-wrap items-center justify-between gap-2">
          <label class="flex items-center gap-2 text-sm text-gray-700">
            <input type="checkbox" formControlName="internal" class="h-4 w-4 rounded border-gray-300" data-testid="note-internal" />
            {{ i18n.t('ticket.noteInternal') }}
          </label>
          <button type="submit" [class]="primary" [disabled]="busy() || noteForm.invalid" data-testid="add-note">{{ i18n.t('ticket.addNote') }}</button>
        </div>
      </form>

      <details class="rounded-md border border-gray-200 p-3">
        <summary class="cursor-pointer text-sm font-medium text-gray-700">{{ i18n.t('ticket.escalate') }}</summary>
        <form [formGroup]="escalateForm" (ngSubmit)="escalate()" class="mt-2 space-y-2">
          <select formControlName="agentId" [class]="input" [attr.aria-label]="i18n.t('ticket.assignTo')">
            <option value="">{{ i18n.t('ticket.assignTo') }}…</option>
            @for (agent of agents.active$ | async; track agent.id) {
              <option [value]="agent.id">{{ agent.firstName }} {{ agent.lastName }}</option>
            }
          </select>
          <input formControlName="reason" [placeholder]="i18n.t('ticket.escalateReason')" [class]="input" />
          <button type="submit" [class]="button" [disabled]="busy() || escalateForm.invalid">{{ i18n.t('ticket.escalate') }}</button>
        </form>
      </details>

      @if (feedbackOpen()) {
        <details class="rounded-md border border-gray-200 p-3">
          <summary class="cursor-pointer text-sm font-medium text-gray-700">{{ i18n.t('ticket.feedback') }}</summary>
          <form [formGroup]="feedbackForm" (ngSubmit)="feedback()" class="mt-2 space-y-2">
            <label class="block text-sm text-gray-700">{{ i18n.t('ticket.feedbackRating') }}
              <input type="number" min="1" max="5" formControlName="rating" [class]="input" />
            </label>
            <input formControlName="comment" [placeholder]="i18n.t('ticket.feedbackComment')" [class]="input" />
            <button type="submit" [class]="button" [disabled]="busy() || feedbackForm.invalid">{{ i18n.t('ticket.feedbackSubmit') }}</button>
          </form>
        </details>
      }
    </section>
  `,
})
export class TicketActions {
  protected readonly i18n = inject(I18nService);
  protected readonly auth = inject(AuthService);
  protected readonly agents = inject(AgentsService);
  private readonly tickets = inject(TicketService);

  readonly ticket = input.required<Ticket>();
  /** The ticket after a successful action. */
  readonly changed = output<Ticket>();
  /** Someone changed it first: the page reloads it. */
  readonly stale = output<void>();

  protected readonly input = INPUT;
  protected readonly button = BUTTON;
  protected readonly primary = PRIMARY;
  protected readonly busy = signal(false);
  protected readonly problem = signal('');
  /** The server's own list after a refused move, for this ticket version. */
  private readonly serverAllowed = signal<{ version: number; allowed: TicketStatus[] } | null>(null);

  private readonly allowed = computed<TicketStatus[]>(() => {
    const ticket = this.ticket();
    const fromServer = this.serverAllowed();
    return fromServer && fromServer.version === ticket.version ? fromServer.allowed : nextStatuses(ticket);
  });
  protected readonly moves = computed(() => plainMoves(this.ticket().status, this.allowed()));
  protected readonly closable = computed(() => closesWithReason(this.ticket().status, this.allowed()));
  /** The close form is open. */
  protected readonly closing = signal(false);
  /** The server's reason for refusing the close reason (a 422 naming `reason`). */
  protected readonly closeError = signal('');
  protected readonly resolvable = computed(() => this.allowed().includes('resolved') && canResolve(this.ticket().status));
  protected readonly feedbackOpen = computed(() => acceptsFeedback(this.ticket().status));

  protected readonly assignee = new FormControl('', { nonNullable: true });
  protected readonly resolveForm = new FormGroup({
    notes: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
  });
  protected readonly noteForm = new FormGroup({
    content: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    internal: new FormControl(true, { nonNullable: true }),
  });
  protected readonly escalateForm = new FormGroup({
    agentId: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    reason: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
  });
  protected readonly feedbackForm = new FormGroup({
    rating: new FormControl(5, { nonNullable: true, validators: [Validators.required, Validators.min(1), Validators.max(5)] }),
    comment: new FormControl('', { nonNullable: true }),
  });

  protected move(status: TicketStatus): void {
    this.run(this.tickets.changeStatus(this.ticket(), status));
  }

  protected openClose(): void {
    this.closeError.set('');
    this.closing.set(true);
  }

  /** Close with the reason the form gave (the status route takes it with the status). */
  protected close(reason: string): void {
    this.closeError.set('');
    this.run(this.tickets.changeStatus(this.ticket(), 'closed', reason), () => this.closing.set(false));
  }

  protected assign(agentId: string): void {
    this.run(this.tickets.assign(this.ticket(), agentId), () => this.assignee.setValue(''));
  }

  protected resolve(): void {
    const notes = this.resolveForm.getRawValue().notes;
    this.run(this.tickets.resolve(this.ticket(), notes), () => this.resolveForm.reset());
  }

  protected addNote(): void {
    const { content, internal } = this.noteForm.getRawValue();
    this.busy.set(true);
    this.problem.set('');
    this.tickets.addNote(this.ticket().ticketId, content, internal).subscribe({
      next: ({ ticket }) => {
        this.busy.set(false);
        this.noteForm.reset({ content: '', internal: true });
        this.changed.emit(ticket);
      },
      error: (error: unknown) => this.fail(error),
    });
  }

  protected escalate(): void {
    const { agentId, reason } = this.escalateForm.getRawValue();
    this.run(this.tickets.escalate(this.ticket().ticketId, agentId, reason), () => this.escalateForm.reset());
  }

  protected feedback(): void {
    const { rating, comment } = this.feedbackForm.getRawValue();
    this.run(this.tickets.feedback(this.ticket().ticketId, rating, comment));
  }

  private run(action: Observable<Ticket>, done?: () => void): void {
    this.busy.set(true);
    this.problem.set('');
    action.subscribe({
      next: (ticket) => {
        this.busy.set(false);
        done?.();
        this.changed.emit(ticket);
      },
      error: (error: unknown) => this.fail(error),
    });
  }

  private fail(error: unknown): void {
    this.busy.set(false);
    const problem = toApiError(error);
    const reasonRefused = problem.details.find((detail) => detail.field === 'reason');
    if (problem.status === 422 && this.closing() && reasonRefused) {
      this.closeError.set(reasonRefused.reason);
      return;
    }
    if (problem.status === 409) {
      if (problem.allowed) {
        this.serverAllowed.set({ version: this.ticket().version, allowed: problem.allowed as TicketStatus[] });
      }
      this.problem.set(this.i18n.t('ticket.conflict', { message: problem.message }));
      this.stale.emit();
      return;
    }
    this.problem.set(this.i18n.t('common.error', { message: problem.message }));
  }
}
