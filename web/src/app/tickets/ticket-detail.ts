import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { ActivatedRoute, RouterLink } from '@angular/router';
import { Observable, catchError, combineLatest, distinctUntilChanged, map, of, shareReplay, switchMap, tap } from 'rxjs';

import { AgentsService } from '../core/agents.service';
import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { NotificationService } from '../core/notifications.service';
import { Conversation, Customer, Ticket, TicketSummary } from '../core/models';
import { SocketService } from '../core/socket.service';
import { ToastService } from '../core/toast.service';
import { ConversationPanel } from '../conversations/conversation-panel';
import { ConversationService } from '../conversations/conversation.service';
import { CustomerService, customerName } from '../customers/customer.service';
import { AgentName } from '../widgets/agent-name';
import { PresenceChips } from '../widgets/presence-chips';
import { CategoryChip } from './category-chip';
import { PriorityMark } from './priority-mark';
import { SlaBadge } from './sla-badge';
import { TicketActions } from './ticket-actions';
import { TicketMacros } from './ticket-macros';
import { TicketAttachments } from './ticket-attachments';
import { TicketIncidents } from './ticket-incidents';
import { TicketLocation } from './ticket-location';
import { closeReasonLabel } from './ticket-close';
import { TicketSlaPanel } from './ticket-sla-panel';
import { TicketService } from './ticket.service';
import { TicketStatusBadge } from './ticket-status-badge';
import { TicketTable } from './ticket-table';

type Tab = 'overview' | 'activity' | 'related';

interface Related {
  customer: Customer | null;
  conversation: Conversation | null;
  others: TicketSummary[];
}

/** `/tickets/:id`: the ticket in three tabs (the conversation's stream with the composer in
 * the second), with its SLA and actions; live while open (its
 * room): any event about it, SLA warnings and breaches included, reloads it. */
@Component({
  selector: 'app-ticket-detail',
  imports: [AsyncPipe, RouterLink, AgentName, PresenceChips, CategoryChip, PriorityMark, SlaBadge, TicketActions, ConversationPanel, TicketAttachments, TicketIncidents, TicketLocation, TicketSlaPanel, TicketStatusBadge, TicketTable, TicketMacros],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a routerLink="/tickets" class="mb-3 inline-block text-sm text-indigo-700 hover:underline">← {{ i18n.t('ticket.back') }}</a>
    @if (notFound()) {
      <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ notFound() }}</p>
    }
    @if (ticket(); as ticket) {
      <div class="mb-4 rounded-lg border border-gray-200 bg-white p-4" [class.ring-2]="flash()" [class.ring-amber-300]="flash()">
        <div class="flex flex-wrap items-start justify-between gap-3">
          <div class="min-w-0">
            <p class="font-mono text-sm text-gray-500" data-testid="ticket-id">{{ ticket.ticketId }} <app-presence-chips [ticketId]="ticket.ticketId" [onPage]="true" /></p>
            <h1 class="mt-0.5 break-words text-xl font-semibold text-gray-900" data-testid="ticket-subject">{{ ticket.subject }}</h1>
            <div class="mt-2 flex flex-wrap items-center gap-3">
              <app-ticket-status-badge [status]="ticket.status" data-testid="ticket-status" />
              <app-priority-mark [priority]="ticket.priority" />
              <app-category-chip [id]="ticket.category" />
              <app-sla-badge [sla]="ticket.sla" data-testid="sla-badge" />
              @if (ticket.isEscalated) {
                <span class="rounded bg-red-50 px-1.5 py-0.5 text-xs font-medium text-red-700">{{ i18n.t('tickets.escalated') }}</span>
              }
            </div>
          </div>
          <a [routerLink]="['/tickets', ticket.ticketId, 'edit']" class="rounded-md border border-gray-300 px-3 py-1.5 text-sm font-medium text-gray-800 hover:bg-gray-50">{{ i18n.t('ticket.edit') }}</a>
        </div>
      </div>

      <div class="grid gap-4 lg:grid-cols-3">
        <div class="lg:col-span-2">
          <div class="mb-3 flex gap-1 overflow-x-auto border-b border-gray-200" role="tablist">
            @for (item of tabs; track item.id) {
              <button type="button" role="tab" [attr.aria-selected]="tab() === item.id" (click)="tab.set(item.id)" class="-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium" [class]="tab() === item.id ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-gray-600 hover:text-gray-900'" [attr.data-tab]="item.id">
                {{ i18n.t(item.label) }}
                @if (item.id === 'activity') {
                  <span class="ml-1 rounded-full bg-gray-100 px-1.5 text-xs text-gray-600">{{ ticket.notes.length }}</span>
                }
              </button>
            }
          </div>

          @switch (tab()) {
            @case ('overview') {
              <div class="space-y-4 rounded-lg border border-gray-200 bg-white p-4" role="tabpanel">
                <div>
                  <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.description') }}</h2>
                  <p class="mt-1 whitespace-pre-wrap text-sm text-gray-900" data-testid="ticket-description">{{ ticket.description }}</p>
                </div>
                @if (ticket.resolutionNotes) {
                  <div class="rounded-md bg-green-50 p-3">
                    <h2 class="text-xs font-semibold uppercase tracking-wide text-green-800">{{ i18n.t('ticket.resolution') }}</h2>
                    <p class="mt-1 whitespace-pre-wrap text-sm text-green-900">{{ ticket.resolutionNotes }}</p>
                  </div>
                }
                @if (ticket.status === 'closed' && ticket.closeReason) {
                  <div class="rounded-md bg-gray-100 p-3">
                    <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-600">{{ i18n.t('close.reason') }}</h2>
                    <p class="mt-1 whitespace-pre-wrap text-sm text-gray-900" data-testid="close-reason">{{ closeReason(ticket.closeReason) }}</p>
                  </div>
                }
                @if (ticket.isEscalated) {
                  <p class="rounded-md bg-red-50 p-3 text-sm text-red-800">{{ i18n.t('ticket.escalatedTo', { name: agentLabel(ticket.escalatedTo), reason: ticket.escalationReason ?? '' }) }}</p>
                }
                <dl class="grid grid-cols-2 gap-x-6 gap-y-3 text-sm">
                  <div><dt class="text-gray-500">{{ i18n.t('ticket.customer') }}</dt><dd class="text-gray-900"><a class="text-indigo-700 hover:underline" [routerLink]="['/customers', ticket.customerId]">{{ customerLabel() }}</a></dd></div>
                  <div><dt class="text-gray-500">{{ i18n.t('ticket.assigned') }}</dt><dd class="text-gray-900" data-testid="ticket-assignee">@if (ticket.assignedAgent) { <app-agent-name [id]="ticket.assignedAgent" [known]="ticket.assignedAgentName" /> } @else { <span class="text-gray-400">{{ i18n.t('tickets.unassigned') }}</span> }</dd></div>
                  @if (ticket.subcategory) {
                    <div><dt class="text-gray-500">{{ i18n.t('ticket.subcategory') }}</dt><dd class="text-gray-900">{{ ticket.subcategory }}</dd></div>
                  }
                  <div><dt class="text-gray-500">{{ i18n.t('ticket.source') }}</dt><dd class="text-gray-900">{{ i18n.source(ticket.source) }}</dd></div>
                  <div><dt class="text-gray-500">{{ i18n.t('ticket.created') }}</dt><dd class="text-gray-900" [title]="i18n.dateTime(ticket.createdAt)">{{ i18n.ago(ticket.createdAt) }}</dd></div>
                  @if (ticket.createdBy) {
                    <div><dt class="text-gray-500">{{ i18n.t('ticket.createdBy') }}</dt><dd class="text-gray-900" data-testid="ticket-creator">{{ ticket.createdByName ?? agentLabel(ticket.createdBy) }}</dd></div>
                  }
                  <div><dt class="text-gray-500">{{ i18n.t('ticket.updated') }}</dt><dd class="text-gray-900" [title]="i18n.dateTime(ticket.updatedAt)">{{ i18n.ago(ticket.updatedAt) }}</dd></div>
                  @if (ticket.customerFeedback; as feedback) {
                    <div><dt class="text-gray-500">{{ i18n.t('ticket.feedback') }}</dt><dd class="text-gray-900">{{ '★'.repeat(feedback.rating) }} {{ feedback.comment }}</dd></div>
                  }
                </dl>
                @if (ticket.tags.length) {
                  <div class="flex flex-wrap gap-1">
                    @for (tag of ticket.tags; track tag) {
                      <span class="rounded bg-gray-100 px-2 py-0.5 text-xs text-gray-700">#{{ tag }}</span>
                    }
                  </div>
                }
                <app-ticket-location [location]="ticket.location" />
                <app-ticket-attachments [ticketId]="ticket.ticketId" [attachments]="ticket.attachments" (uploaded)="reload()" />
              </div>
            }
            @case ('activity') {
              <div role="tabpanel"><app-conversation-panel [conversationId]="ticket.conversationId" [ticket]="ticket" (noted)="reload()" /></div>
            }
            @case ('related') {
              <div class="space-y-4" role="tabpanel">
                @if (related$ | async; as related) {
                  <div class="rounded-lg border border-gray-200 bg-white p-4 text-sm">
                    <h2 class="mb-1 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.customer') }}</h2>
                    @if (related.customer; as customer) {
                      <a [routerLink]="['/customers', customer.id]" class="font-medium text-indigo-700 hover:underline">{{ name(customer) }}</a>
                      <p class="text-gray-600">{{ customer.phoneNumber }} {{ customer.email ? '· ' + customer.email : '' }}</p>
                    }
                  </div>
                  <div class="rounded-lg border border-gray-200 bg-white p-4 text-sm">
                    <h2 class="mb-1 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.conversation') }}</h2>
                    @if (related.conversation; as conversation) {
                      <a [routerLink]="['/conversations', conversation.id]" class="text-indigo-700 hover:underline">{{ i18n.source(conversation.channel) }} · {{ i18n.conversationStatus(conversation.status) }} · {{ i18n.ago(conversation.updatedAt) }}</a>
                    } @else {
                      <p class="text-gray-500">{{ i18n.t('ticket.noConversation') }}</p>
                    }
                  </div>
                  <div>
                    <h2 class="mb-2 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.otherTickets') }}</h2>
                    @if (related.others.length) {
                      <app-ticket-table [tickets]="related.others" [showCustomer]="false" />
                    } @else {
                      <p class="text-sm text-gray-500">{{ i18n.t('ticket.noOtherTickets') }}</p>
                    }
                  </div>
                } @else {
                  <p class="text-gray-500">{{ i18n.t('common.loading') }}</p>
                }
              </div>
            }
          }
        </div>
        <aside class="flex flex-col gap-4">
          <app-ticket-sla-panel [ticket]="ticket" />
          <app-ticket-incidents [ticket]="ticket" (changed)="reload()" />
          <div class="rounded-lg border border-gray-200 bg-white p-4">
            <app-ticket-actions [ticket]="ticket" (changed)="replace($event)" (stale)="reload()" />
            <app-ticket-macros [ticket]="ticket" (changed)="replace($event)" (stale)="reload()" />
          </div>
        </aside>
      </div>
    } @else if (!notFound()) {
      <p class="text-gray-500">{{ i18n.t('common.loading') }}</p>
    }
  `,
})
export class TicketDetail implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly route = inject(ActivatedRoute);
  private readonly tickets = inject(TicketService);
  private readonly customers = inject(CustomerService);
  private readonly conversations = inject(ConversationService);
  private readonly socket = inject(SocketService);
  private readonly toasts = inject(ToastService);
  private readonly agents = inject(AgentsService);
  private readonly destroyRef = inject(DestroyRef);
  private readonly notifications = inject(NotificationService);

  protected readonly tabs: { id: Tab; label: 'ticket.tabOverview' | 'ticket.tabActivity' | 'ticket.tabRelated' }[] = [
    { id: 'overview', label: 'ticket.tabOverview' },
    { id: 'activity', label: 'ticket.tabActivity' },
    { id: 'related', label: 'ticket.tabRelated' },
  ];
  protected readonly tab = signal<Tab>('overview');
  protected readonly ticket = signal<Ticket | null>(null);
  protected readonly notFound = signal('');
  protected readonly flash = signal(false);
  private readonly customer = signal<Customer | null>(null);
  protected readonly customerLabel = computed(() => {
    const own = this.ticket()?.customer;
    return customerName(this.customer()) || own?.name || own?.phoneNumber || this.ticket()?.customerId || '';
  });
  protected related$: Observable<Related | null> = of(null);
  protected readonly name = customerName;

  ngOnInit(): void {
    this.route.paramMap
      .pipe(
        map((params) => params.get('id') ?? ''),
        distinctUntilChanged(),
        tap((id) => {
          this.ticket.set(null);
          this.notFound.set('');
          this.tab.set('overview');
          this.load(id);
        }),
        switchMap((id) => this.socket.ticket(id)),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe(() => {
        this.reload();
        this.flash.set(true);
        setTimeout(() => this.flash.set(false), 1500);
      });
  }

  protected reload(): void {
    const id = this.ticket()?.ticketId ?? this.route.snapshot.paramMap.get('id');
    if (id) this.load(id);
  }

  protected replace(ticket: Ticket): void {
    this.ticket.set(ticket);
  }

  protected closeReason(reason: string): string {
    return closeReasonLabel(reason, (key) => this.i18n.t(key));
  }

  protected agentLabel(id: string | null): string {
    return this.agents.name(id);
  }

  private load(id: string): void {
    this.tickets.get(id).subscribe({
      next: (ticket) => {
        const first = this.ticket()?.ticketId !== ticket.ticketId;
        this.ticket.set(ticket);
        this.notifications.opened(ticket.ticketId, ticket.updatedAt);
        if (first) this.loadRelated(ticket);
      },
      error: (error: unknown) => {
        const problem = toApiError(error);
        if (problem.status === 404) this.notFound.set(this.i18n.t('ticket.notFound', { id }));
        else this.toasts.show(this.i18n.t('common.error', { message: problem.message }), 'error');
      },
    });
  }

  private loadRelated(ticket: Ticket): void {
    const customer$ = this.customers.get(ticket.customerId).pipe(
      tap((customer) => this.customer.set(customer)),
      catchError(() => of(null)),
      shareReplay(1),
    );
    customer$.subscribe();
    const conversation$ = ticket.conversationId
      ? this.conversations.get(ticket.conversationId).pipe(catchError(() => of(null)))
      : of(null);
    const others$ = this.tickets.byCustomer(ticket.customerId, 1, 20).pipe(
      map((page) => page.tickets.filter((other) => other.ticketId !== ticket.ticketId)),
      catchError(() => of([])),
    );
    this.related$ = combineLatest({ customer: customer$, conversation: conversation$, others: others$ });
  }
}
