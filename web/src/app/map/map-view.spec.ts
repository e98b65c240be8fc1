import { convertToParamMap } from '@angular/router';

import { DEFAULT_FILTERS, filtersFromParams, filtersToParams } from '../tickets/ticket-list.state';
import {
  DEFAULT_MAP_FILTERS,
  PRIORITY_COLOURS,
  clusterHtml,
  dayBound,
  mapFiltersFromParams,
  mapFiltersToParams,
  mapQuery,
  mapQueryParams,
  mostUrgent,
  pinHtml,
  priorityColour,
  sameMapFilters,
} from './map-view';

describe('the map of tickets', () => {
  it('colours each pin as the console marks its priority', () => {
    expect(priorityColour('urgent')).toBe('#dc2626');
    expect(priorityColour('high')).toBe('#f97316');
    expect(priorityColour('medium')).toBe('#3b82f6');
    expect(priorityColour('low')).toBe('#9ca3af');
    expect(new Set(Object.values(PRIORITY_COLOURS)).size).toBe(4);
  });

  it('gives a cluster the colour of its most urgent ticket', () => {
    expect(mostUrgent(['low', 'high', 'medium'])).toBe('high');
    expect(mostUrgent(['low', 'urgent'])).toBe('urgent');
    expect(mostUrgent([])).toBe('medium');
    expect(clusterHtml(12, 'urgent')).toContain('--pin:#dc2626');
    expect(clusterHtml(12, 'urgent')).toContain('>12<');
  });

  it('rings a problem and writes its count of incidents; a ticket is a plain dot', () => {
    const problem = pinHtml({ ticketId: 'LUX-1', priority: 'high', isProblem: true, incidentCount: 7 });
    expect(problem).toContain('uts-pin-problem');
    expect(problem).toContain('data-incidents="7"');
    const plain = pinHtml({ ticketId: 'LUX-2', priority: 'low', isProblem: false, incidentCount: 0 });
    expect(plain).not.toContain('uts-pin-problem');
    expect(plain).toContain('--pin:#9ca3af');
    expect(pinHtml({ ticketId: '<b>"x"', priority: 'low', isProblem: false, incidentCount: 0 })).toContain('&lt;b&gt;&quot;x&quot;');
  });

  it('keeps its filters in the list’s address keys, so the list and the map switch with them', () => {
    const filters = { ...DEFAULT_MAP_FILTERS, search: 'poste', status: ['open' as const], priority: ['urgent' as const], assigned: 'me' as const, from: '2026-03-01', to: '2026-03-31' };
    const params = mapFiltersToParams(filters);
    expect(params).toEqual({ q: 'poste', status: 'open', priority: 'urgent', assigned: 'me', from: '2026-03-01', to: '2026-03-31' });
    expect(mapFiltersFromParams(convertToParamMap(params))).toEqual(filters);
    // The list reads the same address (the dates are the map's own).
    const list = filtersFromParams(convertToParamMap(params));
    expect(filtersToParams(list)).toEqual({ q: 'poste', status: 'open', priority: 'urgent', assigned: 'me' });
  });

  it('takes a list address: its page and order are not the map’s, nor are closed statuses', () => {
    const address = convertToParamMap({ status: 'open,resolved,closed', page: '3', sort: 'priority', sla: 'breached' });
    const filters = mapFiltersFromParams(address);
    expect(filters.status).toEqual(['open']);
    expect(filters.sla).toEqual(['breached']);
    expect(mapFiltersToParams(filters)).toEqual({ status: 'open', sla: 'breached' });
    expect(sameMapFilters(filters, { ...DEFAULT_MAP_FILTERS, status: ['open'], sla: ['breached'] })).toBe(true);
    expect(mapFiltersFromParams(convertToParamMap({ from: '2026-02-30', to: 'soon' }))).toEqual(DEFAULT_MAP_FILTERS);
  });

  it('asks the API with the list’s filter names, "me" as my id and the days as instants', () => {
    const query = mapQuery({ ...DEFAULT_MAP_FILTERS, ...DEFAULT_FILTERS, from: '2026-03-01', to: '2026-03-02', assigned: 'me', priority: ['high', 'urgent'] }, 'agent-7');
    const params = mapQueryParams(query);
    expect(params['assignedAgent']).toBe('agent-7');
    expect(params['priority']).toBe('high,urgent');
    expect(params['createdFrom']).toBe(new Date(2026, 2, 1).toISOString());
    expect(params['createdTo']).toBe(new Date(2026, 2, 2, 23, 59, 59, 999).toISOString());
    expect(params).not.toHaveProperty('status');
    expect(params).not.toHaveProperty('search');
    expect(mapQueryParams(mapQuery({ ...DEFAULT_MAP_FILTERS, assigned: 'unassigned' }, null))).toEqual({ assignedAgent: 'unassigned' });
    expect(dayBound('', false)).toBeUndefined();
  });

  it("filters by the list's agents and channels; a report's figure rides along in the address only", () => {
    const address = convertToParamMap({ agent: 'ag-1,ag-2', channel: 'whatsapp', figure: 'backlog', figureTo: '2026-03-02T05:59:59.999Z' });
    const filters = mapFiltersFromParams(address);
    const params = mapQueryParams(mapQuery(filters, 'me-1'));
    expect(params).toEqual({ assignedAgent: 'ag-1,ag-2', channel: 'whatsapp' });
    expect(mapFiltersToParams(filters)).toEqual({ agent: 'ag-1,ag-2', channel: 'whatsapp', figure: 'backlog', figureTo: '2026-03-02T05:59:59.999Z' });
  });
});
