import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { Ticket, TicketStatus } from '../core/models';
import { AgentName } from '../widgets/agent-name';
import { closeReasonLabel } from './ticket-close';

interface Entry {
  key: string;
  at: string;
  kind: 'note' | 'status';
  by: string | null;
  /** The author's name the note carries (shown when the directory does not list it). */
  byName?: string | null;
  content?: string;
  internal?: boolean;
  from?: TicketStatus;
  to?: TicketStatus;
  reason?: string | null;
}

/** The status changes' reasons the tickets service writes (domain/ticket.py), by message. */
const SYSTEM_REASONS: Record<string, MessageKey> = {
  'Resolved by agent': 'timeline.resolvedByAgent',
  'Assigned to agent': 'timeline.assignedToAgent',
  'customer replied': 'timeline.customerReplied',
  Escalated: 'timeline.escalated',
};

/** Notes and status changes on one timeline, newest first; internal notes marked. */
@Component({
  selector: 'app-ticket-activity',
  imports: [AgentName],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (entries().length === 0) {
      <p class="text-sm text-gray-500">{{ i18n.t('ticket.noActivity') }}</p>
    }
    <ol class="relative ml-2 border-l-2 border-gray-200" data-testid="timeline">
      @for (entry of entries(); track entry.key) {
        <li class="relative mb-4 pl-6">
          <span class="absolute -left-[9px] top-3 h-4 w-4 rounded-full border-2 border-white" [class]="dot(entry)"></span>
          <div class="rounded-lg p-3 shadow-sm" [class]="entry.internal ? 'border border-amber-200 bg-amber-50' : 'border border-gray-200 bg-white'" [attr.data-entry]="entry.kind" [attr.data-internal]="entry.internal ?? null">
            @if (entry.kind === 'note') {
              <div class="mb-1 flex flex-wrap items-center gap-2 text-xs">
                <span class="rounded px-1.5 py-0.5 font-medium" [class]="entry.internal ? 'bg-amber-200 text-amber-900' : 'bg-sky-100 text-sky-800'">{{ entry.internal ? i18n.t('ticket.internal') : i18n.t('ticket.public') }}</span>
                <span class="font-medium text-gray-700"><app-agent-name [id]="entry.by" [known]="entry.byName" /></span>
              </div>
              <p class="whitespace-pre-wrap text-sm text-gray-900">{{ entry.content }}</p>
            } @else {
              <p class="text-sm text-gray-800">
                {{ i18n.t('ticket.statusChanged', { from: i18n.status(entry.from!), to: i18n.status(entry.to!) }) }}
                @if (entry.by) {
                  <span class="text-gray-500">· <app-agent-name [id]="entry.by" /></span>
                }
              </p>
              @if (entry.reason) {
                <p class="mt-0.5 text-xs text-gray-600">{{ entry.reason }}</p>
              }
            }
            <time class="mt-1 block text-xs text-gray-500" [attr.datetime]="entry.at" [title]="i18n.dateTime(entry.at)">{{ i18n.ago(entry.at) }}</time>
          </div>
        </li>
      }
    </ol>
  `,
})
export class TicketActivity {
  protected readonly i18n = inject(I18nService);
  readonly ticket = input.required<Ticket>();

  protected readonly entries = computed<Entry[]>(() => {
    const ticket = this.ticket();
    const notes: Entry[] = ticket.notes.map((note) => ({
      key: `n-${note.id}`,
      at: note.timestamp,
      kind: 'note',
      by: note.agentId,
      byName: note.agentName,
      content: note.content,
      internal: note.isInternal,
    }));
    const changes: Entry[] = ticket.statusHistory.map((change, index) => ({
      key: `s-${index}`,
      at: change.timestamp,
      kind: 'status',
      by: change.changedBy,
      from: change.from,
      to: change.to,
      reason: change.to === 'closed' && change.reason ? closeReasonLabel(change.reason, (key) => this.i18n.t(key)) : this.reason(change.reason),
    }));
    return [...notes, ...changes].sort((a, b) => b.at.localeCompare(a.at));
  });

  /** A reason the tickets service writes itself, worded; an agent's own words as written. */
  private reason(text: string | null | undefined): string | null | undefined {
    const key = text ? SYSTEM_REASONS[text] : undefined;
    return key ? this.i18n.t(key) : text;
  }

  protected dot(entry: Entry): string {
    if (entry.kind === 'status') return 'bg-gray-400';
    return entry.internal ? 'bg-amber-500' : 'bg-blue-500';
  }
}
