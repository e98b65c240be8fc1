import { ChangeDetectionStrategy, Component, inject, input, output } from '@angular/core';
import { RouterLink } from '@angular/router';

import { I18nService } from '../core/i18n.service';
import { NotificationService } from '../core/notifications.service';
import { TicketSummary } from '../core/models';
import { CustomerName } from '../customers/customer-name';
import { AgentName } from '../widgets/agent-name';
import { PresenceChips } from '../widgets/presence-chips';
import { CategoryChip } from './category-chip';
import { PriorityMark } from './priority-mark';
import { SlaBadge } from './sla-badge';
import { SlaLeft } from './sla-left';
import { slaNeedsAttention } from './sla-view';
import { TicketStatusBadge } from './ticket-status-badge';

/** Tickets as a dense table on wide screens and as cards on phones; the SLA's time left counting
 * down on each, and an SLA mark on the tickets whose SLA needs someone (warning or breached). */
@Component({
  selector: 'app-ticket-table',
  imports: [RouterLink, CustomerName, AgentName, PresenceChips, CategoryChip, PriorityMark, SlaBadge, SlaLeft, TicketStatusBadge],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="hidden overflow-x-auto rounded-lg border border-gray-200 bg-white md:block">
      <table class="min-w-full divide-y divide-gray-200 text-sm" data-testid="ticket-table">
        <thead class="bg-gray-50 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
          <tr>
            @if (selectable()) {
              <th scope="col" class="w-8 px-3 py-2">
                <input type="checkbox" class="rounded border-gray-300" [checked]="allChosen()" (change)="pageToggled.emit($any($event.target).checked)" [attr.aria-label]="i18n.t('bulk.selectPage')" data-testid="select-page" />
              </th>
            }
            <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colId') }}</th>
            <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colSubject') }}</th>
            @if (showCustomer()) {
              <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colCustomer') }}</th>
            }
            <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colCategory') }}</th>
            <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colPriority') }}</th>
            <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colStatus') }}</th>
            <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colSla') }}</th>
            <th scope="col" class="px-3 py-2">{{ i18n.t('tickets.colAssigned') }}</th>
            <th scope="col" class="px-3 py-2 text-right">{{ i18n.t('tickets.colUpdated') }}</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-gray-100">
          @for (ticket of tickets(); track ticket.ticketId) {
            <tr class="transition-colors duration-700 hover:bg-gray-50" [class.bg-amber-50]="highlighted().has(ticket.ticketId)" [class.bg-red-50]="marks().has(ticket.ticketId)" [class.outline]="cursor() === ticket.ticketId" [class.outline-2]="cursor() === ticket.ticketId" [class.outline-indigo-500]="cursor() === ticket.ticketId" [attr.data-cursor]="cursor() === ticket.ticketId || null" [attr.data-highlighted]="highlighted().has(ticket.ticketId) || null" [attr.data-ticket-id]="ticket.ticketId" [attr.data-refused]="marks().get(ticket.ticketId) ?? null" [attr.data-unread]="unread(ticket) || null">
              @if (selectable()) {
                <td class="px-3 py-2">
                  <input type="checkbox" class="rounded border-gray-300" [checked]="chosen().has(ticket.ticketId)" (change)="toggled.emit(ticket.ticketId)" [attr.aria-label]="i18n.t('bulk.select', { id: ticket.ticketId })" data-testid="select-row" />
                </td>
              }
              <td class="whitespace-nowrap px-3 py-2 font-mono text-xs">
                @if (unread(ticket)) {
                  <span class="mr-1 inline-block h-2 w-2 rounded-full bg-indigo-600 align-middle" [title]="i18n.t('notifications.unreadMark')" data-testid="unread-mark"></span>
                }
                <a [routerLink]="['/tickets', ticket.ticketId]" class="text-indigo-700 hover:underline" [class.font-bold]="unread(ticket)">{{ ticket.ticketId }}</a>
              </td>
              <td class="max-w-xs px-3 py-2">
                <span class="flex items-center gap-2"><a [routerLink]="['/tickets', ticket.ticketId]" class="block truncate font-medium text-gray-900 hover:underline" [class.font-bold]="unread(ticket)" [title]="ticket.subject">{{ ticket.subject }}</a><app-presence-chips [ticketId]="ticket.ticketId" /></span>
                @if (ticket.isEscalated) {
                  <span class="mt-0.5 inline-block rounded bg-red-50 px-1.5 text-[11px] font-medium text-red-700">{{ i18n.t('tickets.escalated') }}</span>
                }
                @if (marks().get(ticket.ticketId); as refused) {
                  <span class="mt-0.5 block text-[11px] font-medium text-red-700" data-testid="refused-mark">{{ i18n.t('bulk.refusedMark', { reason: refused }) }}</span>
                }
                @if (ticket.isProblem) {
                  <span class="mt-0.5 inline-block rounded bg-amber-50 px-1.5 text-[11px] font-medium text-amber-800" data-testid="incident-count">{{ i18n.t('incidents.count', { count: ticket.incidentCount }) }}</span>
                }
              </td>
              @if (showCustomer()) {
                <td class="max-w-[10rem] truncate px-3 py-2 text-gray-700"><app-customer-name [id]="ticket.customerId" [known]="ticket.customer" /></td>
              }
              <td class="px-3 py-2"><app-category-chip [id]="ticket.category" /></td>
              <td class="px-3 py-2"><app-priority-mark [priority]="ticket.priority" /></td>
              <td class="px-3 py-2">
                <app-ticket-status-badge [status]="ticket.status" />
                @if (attention(ticket)) {
                  <app-sla-badge class="mt-1 block" [sla]="ticket.sla" [showPaused]="false" data-testid="sla-mark" />
                }
              </td>
              <td class="px-3 py-2"><app-sla-left [ticket]="ticket" /></td>
              <td class="whitespace-nowrap px-3 py-2 text-gray-700">
                @if (ticket.assignedAgent) {
                  <app-agent-name [id]="ticket.assignedAgent" [known]="ticket.assignedAgentName" />
                } @else {
                  <span class="text-gray-400">{{ i18n.t('tickets.unassigned') }}</span>
                }
              </td>
              <td class="whitespace-nowrap px-3 py-2 text-right text-xs text-gray-500" [title]="i18n.dateTime(ticket.updatedAt)">{{ i18n.ago(ticket.updatedAt) }}</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
    <ul class="space-y-2 md:hidden" data-testid="ticket-cards">
      @for (ticket of tickets(); track ticket.ticketId) {
        <li class="flex items-start gap-2" [attr.data-cursor]="cursor() === ticket.ticketId || null">
          @if (selectable()) {
            <input type="checkbox" class="mt-4 rounded border-gray-300" [checked]="chosen().has(ticket.ticketId)" (change)="toggled.emit(ticket.ticketId)" [attr.aria-label]="i18n.t('bulk.select', { id: ticket.ticketId })" />
          }
          <a [routerLink]="['/tickets', ticket.ticketId]" class="block min-w-0 flex-1 rounded-lg border border-gray-200 bg-white p-3 transition-colors duration-700" [class.border-indigo-500]="cursor() === ticket.ticketId" [class.bg-red-50]="marks().has(ticket.ticketId)" [class.bg-amber-50]="highlighted().has(ticket.ticketId)" [attr.data-ticket-id]="ticket.ticketId">
            <div class="flex items-center justify-between gap-2">
              <span class="font-mono text-xs text-indigo-700" [class.font-bold]="unread(ticket)">@if (unread(ticket)) {<span class="mr-1 inline-block h-2 w-2 rounded-full bg-indigo-600 align-middle" data-testid="unread-mark"></span>}{{ ticket.ticketId }}</span>
              <span class="flex items-center gap-1">
                @if (attention(ticket)) {
                  <app-sla-badge [sla]="ticket.sla" [showPaused]="false" data-testid="sla-mark" />
                }
                <app-ticket-status-badge [status]="ticket.status" />
              </span>
            </div>
            <p class="mt-1 line-clamp-2 font-medium text-gray-900">{{ ticket.subject }}</p>
            @if (marks().get(ticket.ticketId); as refused) {
              <p class="mt-0.5 text-xs font-medium text-red-700">{{ i18n.t('bulk.refusedMark', { reason: refused }) }}</p>
            }
            <div class="mt-2 flex flex-wrap items-center gap-x-3 gap-y-1">
              <app-priority-mark [priority]="ticket.priority" />
              <app-category-chip [id]="ticket.category" />
              <app-sla-left [ticket]="ticket" />
              @if (showCustomer()) {
                <span class="text-xs text-gray-600"><app-customer-name [id]="ticket.customerId" [known]="ticket.customer" /></span>
              }
              <span class="ml-auto text-xs text-gray-500">{{ i18n.ago(ticket.updatedAt) }}</span>
            </div>
          </a>
        </li>
      }
    </ul>
  `,
})
export class TicketTable {
  protected readonly i18n = inject(I18nService);
  private readonly notifications = inject(NotificationService);
  readonly tickets = input.required<TicketSummary[]>();
  readonly highlighted = input<ReadonlySet<string>>(new Set());
  readonly showCustomer = input(true);
  /** Rows with a checkbox each (and one for the page), for bulk actions. */
  readonly selectable = input(false);
  readonly chosen = input<ReadonlySet<string>>(new Set());
  /** Rows a bulk action refused, with why (marked in red). */
  readonly marks = input<ReadonlyMap<string, string>>(new Map());
  /** The keyboard's row (j/k). */
  readonly cursor = input<string | null>(null);
  readonly toggled = output<string>();
  readonly pageToggled = output<boolean>();

  protected allChosen(): boolean {
    const rows = this.tickets();
    return rows.length > 0 && rows.every((ticket) => this.chosen().has(ticket.ticketId));
  }

  /** Unread notifications about it, or changed since I last opened it. */
  protected unread(ticket: TicketSummary): boolean {
    return this.notifications.isUnread(ticket.ticketId, ticket.updatedAt);
  }

  protected attention(ticket: TicketSummary): boolean {
    return slaNeedsAttention(ticket.sla);
  }
}
