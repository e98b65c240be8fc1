import { convertToParamMap } from '@angular/router';

import { DEFAULT_FILTERS, VIEWS, filtersFromParams, filtersToParams, sameFilters, toQuery } from './ticket-list.state';
import { listParams } from './ticket.service';

describe('tickets list query', () => {
  it('sends only the filters that are set', () => {
    const params = listParams(toQuery({ ...DEFAULT_FILTERS, status: ['open'], search: ' lamp ' }, 'me-1'));
    expect(params.toString()).toBe('page=1&limit=20&search=lamp&status=open&sortOrder=desc');
  });

  it('turns "assigned to me" into my id and "unassigned" into the API value', () => {
    expect(toQuery({ ...DEFAULT_FILTERS, assigned: 'me' }, 'me-1').assignedAgent).toBe('me-1');
    expect(toQuery({ ...DEFAULT_FILTERS, assigned: 'unassigned' }, 'me-1').assignedAgent).toBe('unassigned');
    expect(toQuery({ ...DEFAULT_FILTERS, assigned: 'anyone' }, 'me-1').assignedAgent).toBeUndefined();
  });

  it('maps the SLA filter to slaState, and sends nothing for any state', () => {
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: ['breached'] }, null)).get('slaState')).toBe('breached');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: ['warning'] }, null)).get('slaState')).toBe('warning');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: ['ok'] }, null)).get('slaState')).toBe('ok');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: ['met'] }, null)).get('slaState')).toBe('met');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: [] }, null)).has('slaState')).toBe(false);
  });

  it('sends several agents and channels comma-separated, the agents named over "assigned"', () => {
    const query = toQuery({ ...DEFAULT_FILTERS, agent: ['ag-1', 'ag-2'], assigned: 'me', channel: ['whatsapp', 'email'] }, 'me-1');
    const params = listParams(query);
    expect(params.get('assignedAgent')).toBe('ag-1,ag-2');
    expect(params.get('channel')).toBe('whatsapp,email');
    expect(toQuery({ ...DEFAULT_FILTERS, agent: ['ag-1'] }, 'me-1').assignedAgent).toEqual(['ag-1']);
    expect(listParams(toQuery(DEFAULT_FILTERS, null)).has('channel')).toBe(false);
  });

  it("sends a report's figure with its period, and nothing of it when there is none", () => {
    const filters = { ...DEFAULT_FILTERS, figure: 'reopened' as const, figureFrom: '2026-12-01T06:00:00.000Z', figureTo: '2026-12-08T05:59:59.999Z' };
    const params = listParams(toQuery(filters, null));
    expect(params.get('figure')).toBe('reopened');
    expect(params.get('figureFrom')).toBe('2026-12-01T06:00:00.000Z');
    expect(params.get('figureTo')).toBe('2026-12-08T05:59:59.999Z');
    const backlog = listParams(toQuery({ ...DEFAULT_FILTERS, figure: 'backlog', figureTo: '2026-12-08T05:59:59.999Z' }, null));
    expect(backlog.get('figure')).toBe('backlog');
    expect(backlog.has('figureFrom')).toBe(false);
    const none = listParams(toQuery(DEFAULT_FILTERS, null));
    expect(['figure', 'figureFrom', 'figureTo'].some((key) => none.has(key))).toBe(false);
  });

  it('sends several SLA states comma-separated', () => {
    const params = listParams({ page: 1, limit: 20, slaState: ['breached', 'warning'] });
    expect(params.toString()).toBe('page=1&limit=20&slaState=breached,warning');
  });
});

describe('tickets list address', () => {
  it('holds every filter, several values comma-separated, and only what is set', () => {
    const filters = {
      ...DEFAULT_FILTERS,
      search: 'poste',
      status: ['open', 'in_progress'] as const,
      priority: ['urgent'] as const,
      category: ['billing', 'other'],
      sla: ['warning', 'breached'] as const,
      assigned: 'me' as const,
      sortBy: 'slaDue' as const,
      sortOrder: 'asc' as const,
      page: 3,
    };
    const params = filtersToParams({ ...filters, status: [...filters.status], priority: [...filters.priority], sla: [...filters.sla] });
    expect(params).toEqual({
      q: 'poste',
      status: 'open,in_progress',
      priority: 'urgent',
      category: 'billing,other',
      sla: 'warning,breached',
      assigned: 'me',
      sort: 'slaDue',
      order: 'asc',
      page: '3',
    });
    expect(filtersFromParams(convertToParamMap(params))).toEqual({ ...filters, status: ['open', 'in_progress'], priority: ['urgent'], sla: ['warning', 'breached'] });
    expect(filtersToParams(DEFAULT_FILTERS)).toEqual({});
    const escalated = filtersToParams({ ...DEFAULT_FILTERS, escalated: true });
    expect(escalated).toEqual({ escalated: 'true' });
    expect(toQuery(filtersFromParams(convertToParamMap(escalated)), null).isEscalated).toBe(true);
  });

  it('drops values it does not know (an old or hand-edited link still opens a list)', () => {
    const filters = filtersFromParams(convertToParamMap({ status: 'open,bogus', sort: 'nope', assigned: 'x', page: '-2' }));
    expect(filters).toEqual({ ...DEFAULT_FILTERS, status: ['open'] });
  });

  it("holds several agents, channels and a report's figure, and reads back the same list", () => {
    const filters = {
      ...DEFAULT_FILTERS,
      agent: ['ag-1', 'ag-2'],
      channel: ['whatsapp', 'email'],
      figure: 'resolutionBreached' as const,
      figureFrom: '2026-12-01T00:00:00.000Z',
      figureTo: '2026-12-07T23:59:59.999Z',
    };
    const params = filtersToParams(filters);
    expect(params).toEqual({
      agent: 'ag-1,ag-2',
      channel: 'whatsapp,email',
      figure: 'resolutionBreached',
      figureFrom: '2026-12-01T00:00:00.000Z',
      figureTo: '2026-12-07T23:59:59.999Z',
    });
    expect(filtersFromParams(convertToParamMap(params))).toEqual(filters);
    const backlog = { ...DEFAULT_FILTERS, figure: 'backlog' as const, figureTo: '2026-12-07T23:59:59.999Z' };
    expect(filtersFromParams(convertToParamMap(filtersToParams(backlog)))).toEqual(backlog);
  });

  it('drops an unknown channel or figure, and a figure without the period it needs', () => {
    const at = { figureFrom: '2026-12-01T00:00:00.000Z', figureTo: '2026-12-07T23:59:59.999Z' };
    expect(filtersFromParams(convertToParamMap({ channel: 'fax,email' })).channel).toEqual(['email']);
    expect(filtersFromParams(convertToParamMap({ figure: 'sideways', ...at }))).toEqual(DEFAULT_FILTERS);
    expect(filtersFromParams(convertToParamMap({ figure: 'reopened', figureTo: at.figureTo }))).toEqual(DEFAULT_FILTERS);
    expect(filtersFromParams(convertToParamMap({ figure: 'created', figureFrom: at.figureFrom, figureTo: 'soon' }))).toEqual(DEFAULT_FILTERS);
    expect(filtersFromParams(convertToParamMap({ figure: 'created', figureFrom: at.figureTo, figureTo: at.figureFrom }))).toEqual(DEFAULT_FILTERS);
    expect(filtersFromParams(convertToParamMap({ figureFrom: at.figureFrom, figureTo: at.figureTo }))).toEqual(DEFAULT_FILTERS);
  });

  it('sends several statuses to the API comma-separated', () => {
    const params = listParams(toQuery({ ...DEFAULT_FILTERS, status: ['open', 'in_progress'] }, null));
    expect(params.get('status')).toBe('open,in_progress');
  });

  it('names each built-in view by its filters only', () => {
    const mine = VIEWS.find((view) => view.name === 'mine')!;
    expect(filtersToParams(mine.filters)).toEqual({ status: 'new,open,in_progress,pending_customer,waiting_internal', assigned: 'me' });
    expect(sameFilters(filtersFromParams(convertToParamMap(filtersToParams(mine.filters))), mine.filters)).toBe(true);
    const breaching = VIEWS.find((view) => view.name === 'breaching')!;
    expect(filtersToParams(breaching.filters)).toMatchObject({ sla: 'warning,breached', sort: 'slaDue', order: 'asc' });
  });
});
