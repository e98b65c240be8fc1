import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { StatusChange } from '../core/models';
import { closeReasonLabel } from '../tickets/ticket-close';
import { AgentName } from '../widgets/agent-name';
import { DeliveryState } from './delivery-state';
import { StreamItem } from './stream';

/** The status changes' reasons the tickets service writes (domain/ticket.py), by message. */
const SYSTEM_REASONS: Record<string, MessageKey> = {
  'Resolved by agent': 'timeline.resolvedByAgent',
  'Assigned to agent': 'timeline.assignedToAgent',
  'customer replied': 'timeline.customerReplied',
  Escalated: 'timeline.escalated',
};

/** The stream (`mergeStream`), oldest first: the customer's messages on the left, replies on
 * the right with their delivery state, notes (internal ones amber) and changes between. */
@Component({
  selector: 'app-conversation-stream',
  imports: [AgentName, DeliveryState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (items().length === 0) {
      <p class="text-sm text-gray-500">{{ i18n.t('stream.empty') }}</p>
    }
    <ol class="space-y-3" data-testid="timeline">
      @for (item of items(); track item.key) {
        @switch (item.kind) {
          @case ('message') {
            <li class="flex" [class.justify-end]="item.message.direction === 'outbound'" data-entry="message" [attr.data-direction]="item.message.direction" [attr.data-message-id]="item.message.id">
              <div class="max-w-[85%] rounded-lg px-3 py-2 shadow-sm" [class]="item.message.direction === 'inbound' ? 'border border-gray-200 bg-white' : item.message.author === 'assistant' ? 'bg-violet-50 border border-violet-200' : 'bg-sky-50 border border-sky-200'">
                <div class="mb-1 flex flex-wrap items-center gap-2 text-xs text-gray-600">
                  <span class="font-medium">
                    @switch (item.message.author) {
                      @case ('customer') { {{ i18n.t('stream.customer') }} }
                      @case ('assistant') { {{ i18n.t('stream.assistant') }} }
                      @default { <app-agent-name [id]="item.message.agentId" [known]="item.message.agentName" /> }
                    }
                  </span>
                  @if (item.note) {
                    <span class="rounded bg-sky-100 px-1.5 py-0.5 text-sky-800">{{ i18n.t('ticket.public') }}</span>
                  }
                  @if (item.message.direction === 'outbound') {
                    <app-delivery-state [message]="item.message" />
                  }
                </div>
                @if (item.message.text) {
                  <p class="whitespace-pre-wrap text-sm text-gray-900" data-testid="message-text">{{ item.message.text }}</p>
                }
                @for (attachment of item.message.attachments; track $index) {
                  <a [href]="attachment.url" target="_blank" rel="noopener noreferrer" class="block break-all text-xs text-indigo-700 hover:underline">📎 {{ attachment.type || attachment.url }}</a>
                }
                <time class="mt-1 block text-xs text-gray-500" [attr.datetime]="item.at" [title]="i18n.dateTime(item.at)">{{ i18n.ago(item.at) }}</time>
              </div>
            </li>
          }
          @case ('note') {
            <li class="rounded-lg p-3 shadow-sm" [class]="item.note.isInternal ? 'border border-amber-200 bg-amber-50' : 'border border-gray-200 bg-white'" data-entry="note" [attr.data-internal]="item.note.isInternal">
              <div class="mb-1 flex flex-wrap items-center gap-2 text-xs">
                <span class="rounded px-1.5 py-0.5 font-medium" [class]="item.note.isInternal ? 'bg-amber-200 text-amber-900' : 'bg-sky-100 text-sky-800'">{{ item.note.isInternal ? i18n.t('ticket.internal') : i18n.t('ticket.public') }}</span>
                <span class="font-medium text-gray-700">
                  @if (item.note.byCustomer) { {{ i18n.t('stream.customer') }} } @else { <app-agent-name [id]="item.note.agentId" [known]="item.note.agentName" /> }
                </span>
              </div>
              <p class="whitespace-pre-wrap text-sm text-gray-900">{{ item.note.content }}</p>
              <time class="mt-1 block text-xs text-gray-500" [attr.datetime]="item.at" [title]="i18n.dateTime(item.at)">{{ i18n.ago(item.at) }}</time>
            </li>
          }
          @case ('status') {
            <li class="px-2 text-center text-xs text-gray-600" data-entry="status">
              {{ i18n.t('ticket.statusChanged', { from: i18n.status(item.change.from), to: i18n.status(item.change.to) }) }}
              @if (item.change.changedBy) { · <app-agent-name [id]="item.change.changedBy" /> }
              @if (reason(item.change); as why) { · {{ why }} }
              · <time [attr.datetime]="item.at" [title]="i18n.dateTime(item.at)">{{ i18n.ago(item.at) }}</time>
            </li>
          }
          @case ('assignment') {
            <li class="px-2 text-center text-xs text-gray-600" data-entry="assignment">
              {{ i18n.t('stream.assigned') }} <app-agent-name [id]="item.agentId" [known]="item.agentName" />
              · <time [attr.datetime]="item.at" [title]="i18n.dateTime(item.at)">{{ i18n.ago(item.at) }}</time>
            </li>
          }
        }
      }
    </ol>
  `,
})
export class ConversationStream {
  protected readonly i18n = inject(I18nService);
  readonly items = input.required<StreamItem[]>();

  /** A reason the tickets service writes itself, worded; an agent's own words as written. */
  protected reason(change: StatusChange): string | null {
    const text = change.reason;
    if (!text) return null;
    if (change.to === 'closed') return closeReasonLabel(text, (key) => this.i18n.t(key));
    const key = SYSTEM_REASONS[text];
    return key ? this.i18n.t(key) : text;
  }
}
