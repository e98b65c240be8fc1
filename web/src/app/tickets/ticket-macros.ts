import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, input, output, signal } from '@angular/core';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { REPLIES_MESSAGES, RepliesKey } from '../replies/replies.messages';
import { Ticket, TicketStatus } from '../core/models';
import { Macro, MacroChange, RepliesService } from '../replies/replies.service';

const CHANGE_WORDS: Record<MacroChange, RepliesKey> = {
  assignee: 'macros.change.assignee',
  status: 'macros.change.status',
  priority: 'macros.change.priority',
  tags: 'macros.change.tags',
  note: 'macros.change.note',
  reply: 'macros.change.reply',
};

/** The ticket page's macros menu: apply one (to the ticket as read) and say what it changed;
 * a ticket someone changed first is explained and reloaded, as other actions do. */
@Component({
  selector: 'app-ticket-macros',
  imports: [AsyncPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <details class="rounded-md border border-gray-200 p-3" data-testid="macros">
      <summary class="cursor-pointer text-sm font-medium text-gray-700">{{ i18n.local(M, 'macros.menu') }}</summary>
      <div class="mt-2 space-y-2">
        @if (replies.macros$ | async; as macros) {
          @if (macros.length === 0) {
            <p class="text-sm text-gray-500">{{ i18n.local(M, 'macros.none') }}</p>
          }
          <ul class="space-y-1">
            @for (macro of macros; track macro.id) {
              <li>
                <button type="button" class="w-full rounded-md border border-gray-300 bg-white px-3 py-1.5 text-left text-sm text-gray-800 hover:bg-gray-50 disabled:opacity-50" [disabled]="busy()" (click)="apply(macro)" [attr.data-macro]="macro.title">{{ macro.title }}</button>
              </li>
            }
          </ul>
        } @else {
          <p class="text-sm text-gray-500">{{ i18n.t('common.loading') }}</p>
        }
        @if (outcome()) {
          <p class="rounded-md bg-green-50 px-3 py-2 text-sm text-green-800" role="status" data-testid="macro-outcome">{{ outcome() }}</p>
        }
        @if (problem()) {
          <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="macro-error">{{ problem() }}</p>
        }
      </div>
    </details>
  `,
})
export class TicketMacros implements OnInit {
  protected readonly i18n = inject(I18nService);
  protected readonly M = REPLIES_MESSAGES;
  protected readonly replies = inject(RepliesService);

  readonly ticket = input.required<Ticket>();
  readonly changed = output<Ticket>();
  readonly stale = output<void>();

  protected readonly busy = signal(false);
  protected readonly outcome = signal('');
  protected readonly problem = signal('');

  ngOnInit(): void {
    this.replies.loadMacros();
  }

  protected apply(macro: Macro): void {
    this.busy.set(true);
    this.outcome.set('');
    this.problem.set('');
    this.replies.apply(this.ticket(), macro.id).subscribe({
      next: ({ ticket, changes }) => {
        this.busy.set(false);
        this.outcome.set(macroOutcome(this.i18n, macro.title, changes));
        this.changed.emit(ticket);
      },
      error: (error: unknown) => {
        this.busy.set(false);
        const problem = toApiError(error);
        const target = macro.actions.status;
        if (problem.status === 409 && problem.allowed && target) {
          const allowed = problem.allowed.map((status) => this.i18n.status(status as TicketStatus)).join(', ');
          this.problem.set(this.i18n.local(this.M, 'macros.illegal', { title: macro.title, status: this.i18n.status(target), allowed: allowed || '—' }));
        } else {
          this.problem.set(this.i18n.local(this.M, 'macros.refused', { title: macro.title, message: problem.message }));
        }
        if (problem.status === 409 || problem.status === 412) this.stale.emit();
      },
    });
  }
}

/** "Macro «X» applied: status, priority" / "… changed nothing" in the console's language. */
export function macroOutcome(i18n: I18nService, title: string, changes: readonly MacroChange[]): string {
  if (changes.length === 0) return i18n.local(REPLIES_MESSAGES, 'macros.appliedNothing', { title });
  const words = changes.map((change) => i18n.local(REPLIES_MESSAGES, CHANGE_WORDS[change])).join(', ');
  return i18n.local(REPLIES_MESSAGES, 'macros.applied', { title, changes: words });
}
