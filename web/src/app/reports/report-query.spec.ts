import { convertToParamMap } from '@angular/router';
import { describe, expect, it } from 'vitest';

import { filtersFromParams } from '../tickets/ticket-list.state';
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

  it('opens the list with the tickets created or resolved in a bucket, under the same filters', () => {
    const report = filters({ agent: ['a1'], category: ['lum'], priority: ['urgent', 'high'], source: ['web'] });
    const days = { from: '2026-03-05', to: '2026-03-05' };
    const created = ticketsLink({ kind: 'created', days }, report, 'UTC');
    expect(created).toEqual({
      createdFrom: '2026-03-05T00:00:00.000Z',
      createdTo: '2026-03-05T23:59:59.999Z',
      agent: 'a1',
      category: 'lum',
      priority: 'urgent,high',
      source: 'web',
    });
    const listed = filtersFromParams(convertToParamMap(created!));
    expect(listed).toMatchObject({ agent: ['a1'], category: ['lum'], priority: ['urgent', 'high'], source: ['web'], createdFrom: '2026-03-05T00:00:00.000Z' });
    expect(ticketsLink({ kind: 'resolved', days, agent: 'a9' }, filters(), 'UTC')).toEqual({
      resolvedFrom: '2026-03-05T00:00:00.000Z',
      resolvedTo: '2026-03-05T23:59:59.999Z',
      status: 'resolved,closed',
      agent: 'a9',
    });
    expect(ticketsLink({ kind: 'open', agent: 'a9' }, filters(), 'UTC')).toEqual({ agent: 'a9', status: 'new,open,in_progress,pending_customer,waiting_internal' });
  });

  it('leaves a number unlinked when the list cannot filter the same way', () => {
    const days = { from: '2026-03-05', to: '2026-03-05' };
    expect(ticketsLink({ kind: 'created', days }, filters({ channel: ['whatsapp'] }), 'UTC')).toBeNull();
    expect(ticketsLink({ kind: 'created', days }, filters({ agent: ['a1', 'a2'] }), 'UTC')).toBeNull();
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
