// The Reports page's pure parts: the period a preset means (in the SLA calendar's time zone),
// the page's address, the report's query string, and the ticket-list links behind its numbers.

import { HttpParams } from '@angular/common/http';
import { ParamMap, Params } from '@angular/router';

import { Priority } from '../core/models';
import { CHANNELS, OPEN_STATUSES, ReportFigure, SOURCES } from '../tickets/ticket-list.state';
import { PRIORITIES } from '../tickets/ticket-workflow';

export type ReportKind = 'times' | 'volume' | 'agents' | 'satisfaction';
export type GroupBy = 'day' | 'week';
export type Preset = '7d' | '30d' | '90d' | 'month' | 'custom';
export const PRESETS: Preset[] = ['7d', '30d', '90d', 'month', 'custom'];
export { CHANNELS, SOURCES };
/** The longest period the API reports on (days, both ends included). */
export const MAX_DAYS = 366;

/** What the page shows: a period (a preset, or `from`..`to` local dates), its grouping and the
 * tickets' filters (several values each; an empty list is any). */
export interface ReportFilters {
  preset: Preset;
  /** `YYYY-MM-DD`, only for `custom`. */
  from: string;
  to: string;
  groupBy: GroupBy;
  agent: string[];
  category: string[];
  priority: Priority[];
  channel: string[];
  source: string[];
}

export const DEFAULT_REPORT: ReportFilters = {
  preset: '30d',
  from: '',
  to: '',
  groupBy: 'day',
  agent: [],
  category: [],
  priority: [],
  channel: [],
  source: [],
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Today's date (`YYYY-MM-DD`) in `zone`. */
export function todayIn(zone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** `day` moved by `days` (calendar dates, no time zone involved). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The local dates a preset means on `today` (both included): the last 7, 30 or 90 days with
 * today, this month so far, or the custom dates (null when they are not a period). */
export function periodOf(filters: Pick<ReportFilters, 'preset' | 'from' | 'to'>, today: string): { from: string; to: string } | null {
  switch (filters.preset) {
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case 'month':
      return { from: `${today.slice(0, 8)}01`, to: today };
    case 'custom': {
      const { from, to } = filters;
      if (!DATE.test(from) || !DATE.test(to) || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) return null;
      const days = daysBetween(from, to);
      return days >= 0 && days < MAX_DAYS ? { from, to } : null;
    }
  }
}

/** The page's address: only what differs from the defaults (a link opens the same report). */
export function reportToParams(filters: ReportFilters): Params {
  const params: Params = {};
  if (filters.preset !== DEFAULT_REPORT.preset) params['period'] = filters.preset;
  if (filters.preset === 'custom') {
    if (filters.from) params['from'] = filters.from;
    if (filters.to) params['to'] = filters.to;
  }
  if (filters.groupBy !== 'day') params['groupBy'] = filters.groupBy;
  for (const key of ['agent', 'category', 'priority', 'channel', 'source'] as const) {
    if (filters[key].length) params[key] = filters[key].join(',');
  }
  return params;
}

/** The report an address asks for; unknown values are dropped. */
export function reportFromParams(params: ParamMap): ReportFilters {
  const list = <T extends string>(key: string, known?: readonly T[]): T[] => {
    const values = (params.get(key) ?? '').split(',').map((v) => v.trim()).filter(Boolean) as T[];
    return [...new Set(known ? values.filter((v) => known.includes(v)) : values)];
  };
  const period = params.get('period') as Preset | null;
  const preset = period && PRESETS.includes(period) ? period : DEFAULT_REPORT.preset;
  return {
    preset,
    from: preset === 'custom' ? (params.get('from') ?? '') : '',
    to: preset === 'custom' ? (params.get('to') ?? '') : '',
    groupBy: params.get('groupBy') === 'week' ? 'week' : 'day',
    agent: list('agent'),
    category: list('category'),
    priority: list('priority', PRIORITIES),
    channel: list('channel', CHANNELS),
    source: list('source', SOURCES),
  };
}

/** The query string of `GET /reports/{kind}` for a period (`format=csv` for the file). */
export function reportParams(filters: ReportFilters, period: { from: string; to: string }, timeZone: string, format: 'json' | 'csv' = 'json'): HttpParams {
  let params = new HttpParams().set('from', period.from).set('to', period.to).set('timeZone', timeZone).set('groupBy', filters.groupBy);
  for (const key of ['agent', 'category', 'priority', 'channel', 'source'] as const) {
    if (filters[key].length) params = params.set(key, filters[key].join(','));
  }
  return format === 'csv' ? params.set('format', 'csv') : params;
}

/** The path of a report (`/api/v2/reports/times`). */
export function reportUrl(kind: ReportKind): string {
  return `/api/v2/reports/${kind}`;
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/** A zone's wall clock (made once per zone: every linked number of a report asks for it). */
function clockOf(zone: string): Intl.DateTimeFormat {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    clocks.set(zone, clock);
  }
  return clock;
}

/** Minutes `zone` is ahead of UTC at `instant`. */
function offsetMinutes(zone: string, instant: number): number {
  const parts = clockOf(zone).formatToParts(new Date(instant));
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second'));
  return Math.round((local - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** The instant (UTC, ISO 8601) a local date starts in `zone` (its midnight). */
export function dayStart(day: string, zone: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  let instant = guess - offsetMinutes(zone, guess) * 60_000;
  // Across a change of offset the first guess's offset may be the other one: settle on the
  // offset in force at the instant found.
  instant = guess - offsetMinutes(zone, instant) * 60_000;
  return new Date(instant).toISOString();
}

/** The local dates a bucket covers inside the period: a day, or its week (from Monday) cut to
 * the period's ends. */
export function bucketDays(start: string, groupBy: GroupBy, period: { from: string; to: string }): { from: string; to: string } {
  const from = start < period.from ? period.from : start;
  const last = groupBy === 'week' ? addDays(start, 6) : start;
  return { from, to: last > period.to ? period.to : last };
}

/** The instants that bound local dates `from`..`to` (both included) in `zone`, as the list's
 * inclusive `…From`/`…To` take them: from the first day's midnight to the millisecond before
 * the midnight after the last. */
export function instantRange(days: { from: string; to: string }, zone: string): { from: string; to: string } {
  const end = Date.parse(dayStart(addDays(days.to, 1), zone)) - 1;
  return { from: dayStart(days.from, zone), to: new Date(end).toISOString() };
}

/** Which tickets a number counts, for its link: a report figure in local dates `days` (the
 * backlog: at the end of the last), of one agent when it is an agent's row; or an agent's
 * tickets open now. */
export type Counted = { kind: ReportFigure; days: { from: string; to: string }; agent?: string } | { kind: 'open'; agent: string };

/** The ticket list's address of the tickets behind a number: the figure in the period (the
 * zone's midnights), under the report's filters (an agent's row: that agent). A count of
 * events (reopened, breached) lists the tickets they happened to: one reopened twice is one
 * row of a count of two. */
export function ticketsLink(counted: Counted, filters: ReportFilters, zone: string): Params {
  const params: Params = {};
  if (counted.kind === 'open') {
    params['status'] = OPEN_STATUSES.join(',');
  } else {
    const range = instantRange(counted.days, zone);
    params['figure'] = counted.kind;
    params['figureFrom'] = range.from;
    params['figureTo'] = range.to;
  }
  const agent = counted.agent ? [counted.agent] : filters.agent;
  if (agent.length) params['agent'] = agent.join(',');
  for (const key of ['category', 'priority', 'channel', 'source'] as const) {
    if (filters[key].length) params[key] = filters[key].join(',');
  }
  return params;
}
