import { convertToParamMap } from '@angular/router';
import { describe, expect, it } from 'vitest';

import { FIGURES, filtersFromParams, filtersToParams, toQuery } from '../tickets/ticket-list.state';
import { listParams } from '../tickets/ticket.service';
import {
  DEFAULT_REPORT,
  ReportFilters,
  bucketDays,
  dayStart,
  instantRange,
  periodOf,
  reportFromParams,
  reportParams,
  reportToParams,
  ticketsLink,
  todayIn,
} from './report-query';
import { formatDuration, formatShare } from './report-format';

const filters = (changes: Partial<ReportFilters> = {}): ReportFilters => ({ ...DEFAULT_REPORT, ...changes });

describe('the period a preset means', () => {
  it('counts today among the last N days and starts this month on the 1st', () => {
    expect(periodOf(filters({ preset: '7d' }), '2026-03-05')).toEqual({ from: '2026-02-27', to: '2026-03-05' });
    expect(periodOf(filters({ preset: '30d' }), '2026-03-05')).toEqual({ from: '2026-02-04', to: '2026-03-05' });
    expect(periodOf(filters({ preset: '90d' }), '2026-03-05')).toEqual({ from: '2025-12-06', to: '2026-03-05' });
    expect(periodOf(filters({ preset: 'month' }), '2026-03-05')).toEqual({ from: '2026-03-01', to: '2026-03-05' });
  });

  it('takes custom dates only when they make a period of at most 366 days', () => {
    expect(periodOf(filters({ preset: 'custom', from: '2026-01-01', to: '2026-01-31' }), '2026-03-05')).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    expect(periodOf(filters({ preset: 'custom', from: '2026-02-01', to: '2026-01-31' }), '2026-03-05')).toBeNull();
    expect(periodOf(filters({ preset: 'custom', from: '2024-01-01', to: '2025-01-01' }), '2026-03-05')).toBeNull();
    expect(periodOf(filters({ preset: 'custom', from: 'soon', to: '2026-01-31' }), '2026-03-05')).toBeNull();
  });

  it("reads today in the SLA calendar's time zone", () => {
    const lateUtc = new Date('2026-03-05T03:00:00Z');
    expect(todayIn('UTC', lateUtc)).toBe('2026-03-05');
    expect(todayIn('America/Mexico_City', lateUtc)).toBe('2026-03-04');
  });
});

describe('the report address', () => {
  it('keeps the period, grouping and filters, and reads back the same report', () => {
    const report = filters({ preset: 'custom', from: '2026-01-01', to: '2026-01-31', groupBy: 'week', agent: ['a1', 'a2'], priority: ['urgent'], source: ['web'] });
    const params = reportToParams(report);
    expect(params).toEqual({ period: 'custom', from: '2026-01-01', to: '2026-01-31', groupBy: 'week', agent: 'a1,a2', priority: 'urgent', source: 'web' });
    expect(reportFromParams(convertToParamMap(params))).toEqual(report);
    expect(reportToParams(DEFAULT_REPORT)).toEqual({});
    expect(reportFromParams(convertToParamMap({ period: 'decade', priority: 'urgent,bogus', channel: 'fax' }))).toEqual(filters({ priority: ['urgent'] }));
  });

  it('asks the API for the same period and filters, and the CSV with format=csv', () => {
    const report = filters({ groupBy: 'week', category: ['lum', 'bache'], channel: ['whatsapp'] });
    const json = reportParams(report, { from: '2026-01-01', to: '2026-01-31' }, 'America/Mexico_City');
    expect(json.toString()).toBe('from=2026-01-01&to=2026-01-31&timeZone=America/Mexico_City&groupBy=week&category=lum,bache&channel=whatsapp');
    const csv = reportParams(report, { from: '2026-01-01', to: '2026-01-31' }, 'UTC', 'csv');
    expect(csv.get('format')).toBe('csv');
    expect(csv.get('category')).toBe('lum,bache');
  });
});

describe('links from a number to its tickets', () => {
  it("bounds a local day by the zone's midnights, across a change of offset too", () => {
    expect(dayStart('2026-03-05', 'UTC')).toBe('2026-03-05T00:00:00.000Z');
    expect(dayStart('2026-03-05', 'America/Mexico_City')).toBe('2026-03-05T06:00:00.000Z');
    expect(dayStart('2026-03-08', 'America/New_York')).toBe('2026-03-08T05:00:00.000Z');
    expect(dayStart('2026-03-09', 'America/New_York')).toBe('2026-03-09T04:00:00.000Z');
    expect(instantRange({ from: '2026-03-05', to: '2026-03-06' }, 'America/Mexico_City')).toEqual({
      from: '2026-03-05T06:00:00.000Z',
      to: '2026-03-07T05:59:59.999Z',
    });
  });

  it("cuts a week's bucket to the period", () => {
    const period = { from: '2026-03-04', to: '2026-03-12' };
    expect(bucketDays('2026-03-02', 'week', period)).toEqual({ from: '2026-03-04', to: '2026-03-08' });
    expect(bucketDays('2026-03-09', 'week', period)).toEqual({ from: '2026-03-09', to: '2026-03-12' });
    expect(bucketDays('2026-03-05', 'day', period)).toEqual({ from: '2026-03-05', to: '2026-03-05' });
  });

  it("opens the list with a bucket's figure in its period, under the same filters", () => {
    const report = filters({ agent: ['a1'], category: ['lum'], priority: ['urgent', 'high'], source: ['web'] });
    const days = { from: '2026-03-05', to: '2026-03-05' };
    const created = ticketsLink({ kind: 'created', days }, report, 'UTC');
    expect(created).toEqual({
      figure: 'created',
      figureFrom: '2026-03-05T00:00:00.000Z',
      figureTo: '2026-03-05T23:59:59.999Z',
      agent: 'a1',
      category: 'lum',
      priority: 'urgent,high',
      source: 'web',
    });
    const listed = filtersFromParams(convertToParamMap(created));
    expect(listed).toMatchObject({
      figure: 'created',
      figureFrom: '2026-03-05T00:00:00.000Z',
      figureTo: '2026-03-05T23:59:59.999Z',
      agent: ['a1'],
      category: ['lum'],
      priority: ['urgent', 'high'],
      source: ['web'],
    });
    expect(filtersToParams(listed)).toEqual(created);
  });

  it('links every figure of a row, each the list reads back as that figure', () => {
    const days = { from: '2026-03-02', to: '2026-03-08' };
    for (const kind of FIGURES) {
      const params = ticketsLink({ kind, days }, filters(), 'America/Mexico_City');
      expect(params).toEqual({ figure: kind, figureFrom: '2026-03-02T06:00:00.000Z', figureTo: '2026-03-09T05:59:59.999Z' });
      expect(filtersFromParams(convertToParamMap(params)).figure).toBe(kind);
    }
  });

  it("links the backlog to the tickets open at the end of the bucket's last day", () => {
    const period = { from: '2026-03-04', to: '2026-03-12' };
    const days = bucketDays('2026-03-09', 'week', period);
    const params = ticketsLink({ kind: 'backlog', days }, filters(), 'UTC');
    expect(params['figure']).toBe('backlog');
    expect(params['figureTo']).toBe('2026-03-12T23:59:59.999Z');
    expect(filtersFromParams(convertToParamMap(params))).toMatchObject({ figure: 'backlog', figureTo: '2026-03-12T23:59:59.999Z' });
  });

  it('links a number under a channel filter and several agents (the list filters by both)', () => {
    const days = { from: '2026-03-05', to: '2026-03-05' };
    const report = filters({ channel: ['whatsapp', 'email'], agent: ['a1', 'a2'] });
    const reopened = ticketsLink({ kind: 'reopened', days }, report, 'UTC');
    expect(reopened).toEqual({
      figure: 'reopened',
      figureFrom: '2026-03-05T00:00:00.000Z',
      figureTo: '2026-03-05T23:59:59.999Z',
      agent: 'a1,a2',
      channel: 'whatsapp,email',
    });
    const listed = filtersFromParams(convertToParamMap(reopened));
    expect(listed).toMatchObject({ agent: ['a1', 'a2'], channel: ['whatsapp', 'email'], figure: 'reopened' });
    expect(listParams(toQuery(listed, null)).toString()).toBe(
      'page=1&limit=20&assignedAgent=a1,a2&channel=whatsapp,email&figure=reopened&figureFrom=2026-03-05T00:00:00.000Z&figureTo=2026-03-05T23:59:59.999Z&sortOrder=desc',
    );
  });

  it("links an agent's row to that agent's tickets: assigned and resolved in the period, open now", () => {
    const period = { from: '2026-03-01', to: '2026-03-31' };
    const report = filters({ agent: ['a1', 'a2'], category: ['lum'], channel: ['web'] });
    expect(ticketsLink({ kind: 'assigned', days: period, agent: 'a2' }, report, 'UTC')).toEqual({
      figure: 'assigned',
      figureFrom: '2026-03-01T00:00:00.000Z',
      figureTo: '2026-03-31T23:59:59.999Z',
      agent: 'a2',
      category: 'lum',
      channel: 'web',
    });
    expect(ticketsLink({ kind: 'resolved', days: period, agent: 'a9' }, filters(), 'UTC')).toEqual({
      figure: 'resolved',
      figureFrom: '2026-03-01T00:00:00.000Z',
      figureTo: '2026-03-31T23:59:59.999Z',
      agent: 'a9',
    });
    expect(ticketsLink({ kind: 'open', agent: 'a9' }, filters(), 'UTC')).toEqual({ agent: 'a9', status: 'new,open,in_progress,pending_customer,waiting_internal' });
    expect(ticketsLink({ kind: 'open', agent: 'a2' }, report, 'UTC')).toEqual({
      agent: 'a2',
      status: 'new,open,in_progress,pending_customer,waiting_internal',
      category: 'lum',
      channel: 'web',
    });
  });
});

describe('report figures in the language', () => {
  it('words durations and shares', () => {
    expect(formatDuration(90_000, 'es')).toBe('2 min');
    expect(formatDuration(5_400_000, 'en')).toBe('1.5 h');
    expect(formatDuration(5_400_000, 'es')).toBe('1.5 h');
    expect(formatDuration(3 * 86_400_000, 'en')).toBe('3 d');
    expect(formatDuration(null, 'en')).toBe('—');
    expect(formatShare(0.875, 'en')).toBe('87.5%');
  });
});
