import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { Conversation, TicketSummary } from '../core/models';
import { CustomerName } from '../customers/customer-name';
import { AgentName } from '../widgets/agent-name';
import { TicketService } from '../tickets/ticket.service';
import { TicketTable } from '../tickets/ticket-table';
import { ExportCsv } from '../tickets/export-csv';
import { ConversationPanel } from './conversation-panel';
import { ConversationService } from './conversation.service';

/** `/conversations/:id`: the conversation's stream with the composer (replies to the
 * customer) and its handoff, its tickets under it, "Create ticket" pre-filled. */
@Component({
  selector: 'app-conversation-detail',
  imports: [RouterLink, AgentName, ConversationPanel, CustomerName, TicketTable, ExportCsv],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (problem()) {
      <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ problem() }}</p>
    }
    @if (conversation(); as conversation) {
      <div class="grid gap-4 lg:grid-cols-3">
        <section class="rounded-lg border border-gray-200 bg-white p-4">
          <h1 class="text-xl font-semibold text-gray-900">{{ i18n.t('conversation.title') }}</h1>
          <dl class="mt-3 space-y-2 text-sm">
            <div><dt class="text-gray-500">{{ i18n.t('ticket.customer') }}</dt><dd><a [routerLink]="['/customers', conversation.customerId]" class="text-indigo-700 hover:underline"><app-customer-name [id]="conversation.customerId" /></a></dd></div>
            <div><dt class="text-gray-500">{{ i18n.t('conversation.channel') }}</dt><dd>{{ i18n.source(conversation.channel) }}</dd></div>
            <div><dt class="text-gray-500">{{ i18n.t('conversation.status') }}</dt><dd>{{ i18n.conversationStatus(conversation.status) }}</dd></div>
            @if (conversation.assignedAgent) {
              <div><dt class="text-gray-500">{{ i18n.t('ticket.assigned') }}</dt><dd><app-agent-name [id]="conversation.assignedAgent" /></dd></div>
            }
            <div><dt class="text-gray-500">{{ i18n.t('ticket.updated') }}</dt><dd>{{ i18n.ago(conversation.updatedAt) }}</dd></div>
          </dl>
          <a routerLink="/conversations" class="mr-2 mt-4 inline-block text-sm text-indigo-700 hover:underline">← {{ i18n.t('conversations.title') }}</a>
          <a [routerLink]="['/tickets/new']" [queryParams]="{ customerId: conversation.customerId, conversationId: conversation.id }" class="mt-4 inline-block rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700" data-testid="conversation-create-ticket">+ {{ i18n.t('customers.createTicket') }}</a>
        </section>
        <section class="lg:col-span-2">
          <app-conversation-panel [conversationId]="conversation.id" />
          <h2 class="mb-2 mt-6 text-sm font-semibold text-gray-700">{{ i18n.t('conversation.related') }}</h2>
          @if (tickets().length) {
            <div class="mb-2 flex justify-end"><app-export-csv [conversationId]="conversation.id" /></div>
            <app-ticket-table [tickets]="tickets()" [showCustomer]="false" />
          } @else {
            <p class="text-sm text-gray-500">{{ i18n.t('ticket.noOtherTickets') }}</p>
          }
        </section>
      </div>
    }
  `,
})
export class ConversationDetail implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly api = inject(ConversationService);
  private readonly ticketsApi = inject(TicketService);
  readonly id = input.required<string>();
  protected readonly conversation = signal<Conversation | null>(null);
  protected readonly tickets = signal<TicketSummary[]>([]);
  protected readonly problem = signal('');

  ngOnInit(): void {
    this.api.get(this.id()).subscribe({
      next: (conversation) => this.conversation.set(conversation),
      error: (error: unknown) => this.problem.set(toApiError(error).message),
    });
    this.ticketsApi.byConversation(this.id(), 1, 50).subscribe({ next: (page) => this.tickets.set(page.tickets), error: () => undefined });
  }
}
