import { convertToParamMap } from '@angular/router';

import { DEFAULT_FILTERS, filtersFromParams, filtersToParams, sameFilters } from './ticket-list.state';
import { SavedView, ordered } from './saved-views.service';

function view(name: string, shared: boolean, filters: Record<string, string> = {}): SavedView {
  const at = '2026-12-07T09:00:00Z';
  return { id: name, name, filters, shared, ownerId: shared ? null : 'me', createdBy: 'me', createdAt: at, updatedAt: at };
}

describe('saved views', () => {
  it('lists own views first, then shared ones, each by name', () => {
    const names = ordered([view('Zona norte', true), view('urgentes', false), view('Abiertos', false), view('Equipo', true)]).map((v) => v.name);
    expect(names).toEqual(['Abiertos', 'urgentes', 'Equipo', 'Zona norte']);
  });

  it('keeps a list address that opens the same list again, whatever page it was on', () => {
    const filters = { ...DEFAULT_FILTERS, status: ['new', 'open'] as const, priority: ['urgent'] as const, assigned: 'unassigned' as const, page: 3 };
    const kept = filtersToParams({ ...filters, status: [...filters.status], priority: [...filters.priority], page: 1 });
    expect(kept).toEqual({ status: 'new,open', priority: 'urgent', assigned: 'unassigned' });
    const reopened = filtersFromParams(convertToParamMap(kept));
    expect(sameFilters(reopened, { ...filters, status: ['new', 'open'], priority: ['urgent'], page: 1 })).toBe(true);
  });
});
