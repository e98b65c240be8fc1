import { Injectable, inject } from '@angular/core';
import {
  BehaviorSubject,
  Subscription,
  buffer,
  catchError,
  debounceTime,
  filter,
  map,
  merge,
  of,
  switchMap,
  tap,
} from 'rxjs';

import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { Params, ParamMap } from '@angular/router';

import { Priority, SlaState, TicketPage, TicketStats, TicketStatus } from '../core/models';
import { LiveEvent, SocketService, eventTicketId } from '../core/socket.service';
import { SortBy, TicketQuery, TicketService } from './ticket.service';
import { PRIORITIES, STATUSES } from './ticket-workflow';
import { SLA_STATES } from './sla-view';
import { FIGURES, ReportFigure, figureOf } from './report-figure';

/** Where a ticket comes from (the list's `source` filter). */
export const SOURCES = ['whatsapp', 'web', 'mobile_app', 'ai', 'agent'] as const;
/** The channel of the conversation a ticket was reported in (the list's `channel` filter). */
export const CHANNELS = ['whatsapp', 'web', 'mobile_app', 'email', 'phone'] as const;
export const INSTANT_KEYS = ['createdFrom', 'createdTo', 'resolvedFrom', 'resolvedTo'] as const;

export { FIGURES, figureOf };
export type { ReportFigure };

export type AssignedFilter = 'anyone' | 'me' | 'unassigned';
const ASSIGNED: AssignedFilter[] = ['anyone', 'me', 'unassigned'];
const SORTS: SortBy[] = ['createdAt', 'updatedAt', 'priority', 'status', 'ticketId', 'relevance', 'slaDue'];

/** What the filter bar holds (the API query is derived from it); an empty list is any value. */
export interface ListFilters {
  search: string;
  status: TicketStatus[];
  priority: Priority[];
  category: string[];
  assigned: AssignedFilter;
  sla: SlaState[];
  /** Escalated tickets only. */
  escalated: boolean;
  /** These agents' tickets (ids; the Reports page's links), over `assigned`. */
  agent: string[];
  /** Where the tickets came from (ticket sources). */
  source: string[];
  /** The channels of the conversations the tickets were reported in. */
  channel: string[];
  /** The tickets behind a report's figure ('' is none) between `figureFrom` and `figureTo`
   * (ISO 8601 instants, both included; the backlog is read at `figureTo`). */
  figure: ReportFigure | '';
  figureFrom: string;
  figureTo: string;
  /** Inclusive bounds of the creation and resolution times (ISO 8601 instants; '' is none). */
  createdFrom: string;
  createdTo: string;
  resolvedFrom: string;
  resolvedTo: string;
  sortBy: SortBy | '';
  sortOrder: 'asc' | 'desc';
  page: number;
}

export const DEFAULT_FILTERS: ListFilters = {
  search: '',
  status: [],
  priority: [],
  category: [],
  assigned: 'anyone',
  sla: [],
  escalated: false,
  agent: [],
  source: [],
  channel: [],
  figure: '',
  figureFrom: '',
  figureTo: '',
  createdFrom: '',
  createdTo: '',
  resolvedFrom: '',
  resolvedTo: '',
  sortBy: '',
  sortOrder: 'desc',
  page: 1,
};

/** Every status but resolved and closed: the "all open" of the views. */
export const OPEN_STATUSES: TicketStatus[] = STATUSES.filter((s) => s !== 'resolved' && s !== 'closed');

export const PAGE_SIZE = 20;
const HIGHLIGHT_MS = 4000;
const LIVE_DEBOUNCE_MS = 250;

/** The list's address: `q`, `status`, `priority`, `category`, `sla`, `source`, `agent`,
 * `channel` (several values comma-separated), `assigned`, `escalated`, `createdFrom`,
 * `createdTo`, `resolvedFrom`, `resolvedTo`, `figure`, `figureFrom`, `figureTo`, `sort`,
 * `order`, `page`; only what differs from the defaults. */
export function filtersToParams(filters: ListFilters): Params {
  const params: Params = {};
  if (filters.search) params['q'] = filters.search;
  if (filters.status.length) params['status'] = filters.status.join(',');
  if (filters.priority.length) params['priority'] = filters.priority.join(',');
  if (filters.category.length) params['category'] = filters.category.join(',');
  if (filters.sla.length) params['sla'] = filters.sla.join(',');
  if (filters.assigned !== 'anyone') params['assigned'] = filters.assigned;
  if (filters.escalated) params['escalated'] = 'true';
  if (filters.agent.length) params['agent'] = filters.agent.join(',');
  if (filters.source.length) params['source'] = filters.source.join(',');
  if (filters.channel.length) params['channel'] = filters.channel.join(',');
  for (const key of INSTANT_KEYS) if (filters[key]) params[key] = filters[key];
  Object.assign(params, figureOf(filters));
  if (filters.sortBy) params['sort'] = filters.sortBy;
  if (filters.sortOrder !== 'desc') params['order'] = filters.sortOrder;
  if (filters.page > 1) params['page'] = String(filters.page);
  return params;
}

/** The filters a list address holds; unknown values are dropped (a hand-edited or old link
 * still opens a list), and so is a figure without the bounds it needs. */
export function filtersFromParams(params: ParamMap): ListFilters {
  const list = <T extends string>(key: string, known?: readonly T[]): T[] => {
    const values = (params.get(key) ?? '').split(',').map((v) => v.trim()).filter(Boolean) as T[];
    return [...new Set(known ? values.filter((v) => known.includes(v)) : values)];
  };
  const one = <T extends string>(key: string, known: readonly T[], fallback: T): T => {
    const value = params.get(key) as T | null;
    return value !== null && known.includes(value) ? value : fallback;
  };
  const instant = (key: string): string => {
    const value = (params.get(key) ?? '').trim();
    return value && !Number.isNaN(Date.parse(value)) ? value : '';
  };
  const page = Number(params.get('page') ?? '1');
  const figure = figureOf({ figure: one<ReportFigure | ''>('figure', FIGURES, ''), figureFrom: instant('figureFrom'), figureTo: instant('figureTo') });
  return {
    search: (params.get('q') ?? '').trim(),
    status: list('status', STATUSES),
    priority: list('priority', PRIORITIES),
    category: list('category'),
    assigned: one('assigned', ASSIGNED, 'anyone'),
    sla: list('sla', SLA_STATES),
    escalated: params.get('escalated') === 'true',
    agent: list('agent'),
    source: list('source', SOURCES),
    channel: list('channel', CHANNELS),
    createdFrom: instant('createdFrom'),
    createdTo: instant('createdTo'),
    resolvedFrom: instant('resolvedFrom'),
    resolvedTo: instant('resolvedTo'),
    figure: figure.figure ?? '',
    figureFrom: figure.figureFrom ?? '',
    figureTo: figure.figureTo ?? '',
    sortBy: one<SortBy | ''>('sort', SORTS, ''),
    sortOrder: one('order', ['asc', 'desc'] as const, 'desc'),
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** Whether two sets of filters ask for the same list. */
export function sameFilters(a: ListFilters, b: ListFilters): boolean {
  const x = filtersToParams(a);
  const y = filtersToParams(b);
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((key) => x[key] === y[key]);
}

export type ViewName = 'mine' | 'unassigned' | 'open' | 'breaching' | 'recent';

/** The built-in views: each is only a set of filters (a list address). */
export const VIEWS: { name: ViewName; filters: ListFilters }[] = [
  { name: 'mine', filters: { ...DEFAULT_FILTERS, status: OPEN_STATUSES, assigned: 'me' } },
  { name: 'unassigned', filters: { ...DEFAULT_FILTERS, status: OPEN_STATUSES, assigned: 'unassigned' } },
  { name: 'open', filters: { ...DEFAULT_FILTERS, status: OPEN_STATUSES } },
  {
    name: 'breaching',
    filters: { ...DEFAULT_FILTERS, status: OPEN_STATUSES, sla: ['warning', 'breached'], sortBy: 'slaDue', sortOrder: 'asc' },
  },
  { name: 'recent', filters: { ...DEFAULT_FILTERS, sortBy: 'updatedAt' } },
];

/** The filters the list and the map share, as the API's query: the agents named, else `me` as
 * the caller's id or `unassigned`. */
export function sharedQuery(
  filters: Pick<ListFilters, 'search' | 'status' | 'priority' | 'category' | 'assigned' | 'sla' | 'escalated'> & Partial<Pick<ListFilters, 'agent' | 'channel'>>,
  myId: string | null,
): Pick<TicketQuery, 'search' | 'status' | 'priority' | 'category' | 'assignedAgent' | 'slaState' | 'isEscalated' | 'channel'> {
  const assignedAgent = filters.agent?.length
    ? filters.agent
    : filters.assigned === 'me'
      ? (myId ?? undefined)
      : filters.assigned === 'unassigned'
        ? 'unassigned'
        : undefined;
  return {
    search: filters.search,
    status: filters.status,
    priority: filters.priority,
    category: filters.category,
    assignedAgent,
    slaState: filters.sla,
    isEscalated: filters.escalated || undefined,
    channel: filters.channel ?? [],
  };
}

export function toQuery(filters: ListFilters, myId: string | null): TicketQuery {
  return {
    page: filters.page,
    limit: PAGE_SIZE,
    ...sharedQuery(filters, myId),
    source: filters.source,
    createdFrom: filters.createdFrom || undefined,
    createdTo: filters.createdTo || undefined,
    resolvedFrom: filters.resolvedFrom || undefined,
    resolvedTo: filters.resolvedTo || undefined,
    ...figureOf(filters),
    sortBy: filters.sortBy,
    sortOrder: filters.sortOrder,
  };
}

/** The tickets list's state (BehaviorSubjects); its filters follow the list's address (the
 * list component feeds them from the URL, so back, reload and a shared link restore them). Live: any ticket event reloads the page and the counts
 * (the server decides what matches the filters, SLA states included: the SLA warnings and breaches
 * are ticket events too) and highlights the tickets it was about. */
@Injectable({ providedIn: 'root' })
export class TicketListState {
  private readonly tickets = inject(TicketService);
  private readonly socket = inject(SocketService);
  private readonly auth = inject(AuthService);

  readonly filters$ = new BehaviorSubject<ListFilters>(DEFAULT_FILTERS);
  readonly page$ = new BehaviorSubject<TicketPage | null>(null);
  readonly stats$ = new BehaviorSubject<TicketStats | null>(null);
  readonly error$ = new BehaviorSubject<ApiError | null>(null);
  readonly loading$ = new BehaviorSubject<boolean>(false);
  readonly highlighted$ = new BehaviorSubject<ReadonlySet<string>>(new Set());

  /** The filters after `changes` (any change but the page's goes back to page 1). */
  changed(changes: Partial<ListFilters>): ListFilters {
    const page = 'page' in changes ? (changes.page ?? 1) : 1;
    return { ...this.filters$.value, ...changes, page };
  }

  /** Show the list for `filters` (a no-op when they ask for the list already shown). */
  apply(filters: ListFilters): void {
    if (!sameFilters(filters, this.filters$.value)) this.filters$.next(filters);
  }

  reset(): void {
    this.apply(DEFAULT_FILTERS);
  }

  /** Start loading and listening; unsubscribe when the list is left. */
  connect(): Subscription {
    const live = this.socket.ticketEvents();
    const liveBursts = live.pipe(buffer(live.pipe(debounceTime(LIVE_DEBOUNCE_MS))));
    const reloads = merge(
      this.filters$.pipe(map(() => [] as LiveEvent[])),
      liveBursts.pipe(filter((events) => events.length > 0)),
    );
    const subscription = reloads
      .pipe(
        tap(() => this.loading$.next(true)),
        switchMap((events) =>
          this.tickets.list(toQuery(this.filters$.value, this.auth.agent?.id ?? null)).pipe(
            map((page) => ({ page, events })),
            catchError((error: unknown) => {
              this.error$.next(toApiError(error));
              return of(null);
            }),
          ),
        ),
      )
      .subscribe((result) => {
        this.loading$.next(false);
        if (!result) return;
        this.error$.next(null);
        this.page$.next(result.page);
        this.highlight(result.events);
      });
    subscription.add(reloads.pipe(switchMap(() => this.tickets.stats().pipe(catchError(() => of(null))))).subscribe((stats) => {
      if (stats) this.stats$.next(stats);
    }));
    return subscription;
  }

  private highlight(events: LiveEvent[]): void {
    const ids = events.map(eventTicketId).filter((id): id is string => id !== null);
    if (ids.length === 0) return;
    this.highlighted$.next(new Set([...this.highlighted$.value, ...ids]));
    setTimeout(() => {
      const remaining = new Set(this.highlighted$.value);
      for (const id of ids) remaining.delete(id);
      this.highlighted$.next(remaining);
    }, HIGHLIGHT_MS);
  }
}
