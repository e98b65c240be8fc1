import { MessageKey } from '../core/messages';
import { TicketStatus, TicketSummary } from '../core/models';
import { figureOf } from './report-figure';
import { ListFilters } from './ticket-list.state';
import { BulkFilter, BulkItem } from './ticket.service';
import { allowedNext } from './ticket-workflow';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** The list's filters as a bulk action's `filter` ("all matching"): the same tickets the list
 * shows, page and order aside. */
export function bulkFilter(filters: ListFilters): BulkFilter {
  const filter: BulkFilter = {};
  if (filters.search) filter.search = filters.search;
  if (filters.status.length) filter.status = filters.status;
  if (filters.priority.length) filter.priority = filters.priority;
  if (filters.category.length) filter.category = filters.category;
  if (filters.sla.length) filter.slaState = filters.sla;
  if (filters.agent.length) filter.assignedAgent = [...filters.agent];
  else if (filters.assigned !== 'anyone') filter.assignedAgent = [filters.assigned];
  if (filters.escalated) filter.isEscalated = true;
  if (filters.source.length) filter.source = filters.source as NonNullable<BulkFilter['source']>;
  if (filters.channel.length) filter.channel = filters.channel as NonNullable<BulkFilter['channel']>;
  if (filters.createdFrom) filter.createdFrom = filters.createdFrom;
  if (filters.createdTo) filter.createdTo = filters.createdTo;
  if (filters.resolvedFrom) filter.resolvedFrom = filters.resolvedFrom;
  if (filters.resolvedTo) filter.resolvedTo = filters.resolvedTo;
  return { ...filter, ...figureOf(filters) };
}

/** The statuses some of `tickets` may move to (resolved aside: it needs notes of its own),
 * each with how many may: those legal for most first. */
export function legalStatuses(tickets: readonly Pick<TicketSummary, 'status'>[]): { status: TicketStatus; count: number }[] {
  const counts = new Map<TicketStatus, number>();
  for (const ticket of tickets) {
    for (const next of allowedNext(ticket.status)) {
      if (next === 'resolved') continue;
      counts.set(next, (counts.get(next) ?? 0) + 1);
    }
  }
  return [...counts].map(([status, count]) => ({ status, count })).sort((a, b) => b.count - a.count);
}

const WORDED = ['not_found', 'illegal_transition', 'conflict', 'version_conflict', 'status_moved', 'validation'] as const;

/** Why a ticket was refused, in the console's language (statuses by their names). */
export function refusalText(item: Pick<BulkItem, 'reason' | 'params'>, t: Translate, status: (s: TicketStatus) => string): string {
  const reason = item.reason ?? '';
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(item.params ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  }
  for (const name of ['from', 'to', 'status']) {
    if (typeof params[name] === 'string') params[name] = status(params[name] as TicketStatus);
  }
  if (!(WORDED as readonly string[]).includes(reason)) return t('bulk.reason.other', { reason });
  return t(`bulk.reason.${reason as (typeof WORDED)[number]}`, { field: '', status: '', from: '', to: '', ...params });
}
