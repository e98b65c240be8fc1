import { describe, expect, it } from 'vitest';

import { DEFAULT_FILTERS } from './ticket-list.state';
import { exportParams } from './export-csv';

describe('exportParams', () => {
  it('sends the list filters without page, limit or sort, in the console language', () => {
    const filters = { ...DEFAULT_FILTERS, status: ['open', 'in_progress'], assigned: 'me', page: 3, sortBy: 'priority' } as typeof DEFAULT_FILTERS;
    const params = exportParams(filters, 'ag-1', 'en');
    expect(params.get('status')).toBe('open,in_progress');
    expect(params.get('assignedAgent')).toBe('ag-1');
    expect(params.get('lang')).toBe('en');
    expect(params.has('page')).toBe(false);
    expect(params.has('limit')).toBe(false);
    expect(params.has('sortBy')).toBe(false);
  });
});
