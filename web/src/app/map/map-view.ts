import { ParamMap, Params } from '@angular/router';

import { Answer } from '../core/api';
import { Priority } from '../core/models';
import { DEFAULT_FILTERS, ListFilters, OPEN_STATUSES, filtersFromParams, filtersToParams, sharedQuery } from '../tickets/ticket-list.state';
import { TicketQuery } from '../tickets/ticket.service';

export type MapAnswer = Answer<'/api/v2/tickets/map', 'get'>;
export type MapPoint = MapAnswer['points'][number];

/** The map's filters: the list's (the same address keys, so the list and the map switch with
 * the same filters), and the creation dates (`from`, `to`: days, both included). */
export interface MapFilters extends ListFilters {
  from: string;
  to: string;
}

export const DEFAULT_MAP_FILTERS: MapFilters = { ...DEFAULT_FILTERS, from: '', to: '' };

/** The colours of the console's priority mark (`tickets/priority-mark.ts`: Tailwind's gray-400,
 * blue-500, orange-500 and red-600). */
export const PRIORITY_COLOURS: Record<Priority, string> = {
  low: '#9ca3af',
  medium: '#3b82f6',
  high: '#f97316',
  urgent: '#dc2626',
};

/** Most urgent first: a cluster takes the colour of its most urgent ticket. */
export const PRIORITY_ORDER: Priority[] = ['urgent', 'high', 'medium', 'low'];

export function priorityColour(priority: Priority): string {
  return PRIORITY_COLOURS[priority] ?? PRIORITY_COLOURS.medium;
}

/** The most urgent of `priorities` (medium when there are none). */
export function mostUrgent(priorities: Iterable<Priority>): Priority {
  const seen = new Set(priorities);
  return PRIORITY_ORDER.find((p) => seen.has(p)) ?? 'medium';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(value: string | null): string {
  if (!value || !DAY.test(value)) return '';
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(y, m - 1, d);
  return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d ? value : '';
}

/** The map's address: the list's keys (page and order left out: the map has neither) and
 * `from`, `to`. Only the open statuses are the map's: others are dropped. */
export function mapFiltersToParams(filters: MapFilters): Params {
  const params = filtersToParams({ ...filters, status: openOnly(filters.status), page: 1, sortBy: '', sortOrder: 'desc' });
  if (filters.from) params['from'] = filters.from;
  if (filters.to) params['to'] = filters.to;
  return params;
}

export function mapFiltersFromParams(params: ParamMap): MapFilters {
  const list = filtersFromParams(params);
  return {
    ...list,
    status: openOnly(list.status),
    page: 1,
    sortBy: '',
    sortOrder: 'desc',
    from: day(params.get('from')),
    to: day(params.get('to')),
  };
}

/** The list's address for the map's filters (the dates ride along for the way back). */
export function listParams(filters: MapFilters): Params {
  return mapFiltersToParams(filters);
}

function openOnly<T extends string>(statuses: T[]): T[] {
  return statuses.filter((s) => (OPEN_STATUSES as string[]).includes(s));
}

/** The start of day `value` (the agent's own midnight) as an instant, or the end of it. */
export function dayBound(value: string, end: boolean): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  const at = end ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d);
  return at.toISOString();
}

export type MapQuery = Omit<TicketQuery, 'page' | 'limit' | 'sortBy' | 'sortOrder'> & { createdFrom?: string; createdTo?: string };

/** The `GET /tickets/map` query of the filters (`me` is the caller's id). */
export function mapQuery(filters: MapFilters, myId: string | null): MapQuery {
  return {
    ...sharedQuery(filters, myId),
    createdFrom: dayBound(filters.from, false),
    createdTo: dayBound(filters.to, true),
  };
}

/** The query string of `GET /tickets/map`: only what is set (several values comma-separated). */
export function mapQueryParams(query: MapQuery): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text !== undefined && text !== null && text !== '') params[key] = String(text).trim();
  }
  return params;
}

/** Whether two sets of map filters ask for the same map. */
export function sameMapFilters(a: MapFilters, b: MapFilters): boolean {
  const x = mapFiltersToParams(a);
  const y = mapFiltersToParams(b);
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((key) => x[key] === y[key]);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A ticket's pin: a dot in its priority's colour; a problem is ringed and carries its count of
 * incidents. */
export function pinHtml(point: Pick<MapPoint, 'priority' | 'isProblem' | 'incidentCount' | 'ticketId'>): string {
  const colour = priorityColour(point.priority);
  const problem = point.isProblem
    ? `<span class="uts-pin-count" data-incidents="${point.incidentCount}">${point.incidentCount}</span>`
    : '';
  const kind = point.isProblem ? 'uts-pin uts-pin-problem' : 'uts-pin';
  return `<span class="${kind}" style="--pin:${colour}" data-map-ticket="${escapeHtml(point.ticketId)}" data-priority="${point.priority}">${problem}</span>`;
}

/** A cluster's badge: how many tickets, in the colour of the most urgent of them. */
export function clusterHtml(count: number, priority: Priority): string {
  return `<span class="uts-cluster" style="--pin:${priorityColour(priority)}" data-cluster-count="${count}" data-priority="${priority}">${count}</span>`;
}
