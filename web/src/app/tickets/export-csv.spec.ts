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

describe("a customer's tickets export", () => {
  it("sends the customer's id with the list's defaults", () => {
    const params = exportParams(DEFAULT_FILTERS, 'ag-1', 'es', { customerId: 'cus-9' });
    expect(params.get('customerId')).toBe('cus-9');
    expect(params.has('assignedAgent')).toBe(false);
  });

  it("sends a conversation's id for its tickets", () => {
    const params = exportParams(DEFAULT_FILTERS, 'ag-1', 'es', { conversationId: 'conv-3' });
    expect(params.get('conversationId')).toBe('conv-3');
    expect(params.has('customerId')).toBe(false);
  });

  it("sends the Reports page's filters: agents, sources, creation and resolution times", () => {
    const filters = { ...DEFAULT_FILTERS, agent: ['ag-7'], source: ['web', 'ai'], resolvedFrom: '2026-03-05T00:00:00.000Z' };
    const params = exportParams(filters, 'ag-1', 'es');
    expect(params.get('assignedAgent')).toBe('ag-7');
    expect(params.get('source')).toBe('web,ai');
    expect(params.get('resolvedFrom')).toBe('2026-03-05T00:00:00.000Z');
  });

  it("sends a report's figure with its period, several agents and channels", () => {
    const filters = {
      ...DEFAULT_FILTERS,
      agent: ['ag-7', 'ag-8'],
      channel: ['email', 'phone'],
      figure: 'backlog' as const,
      figureFrom: '2026-03-01T00:00:00.000Z',
      figureTo: '2026-03-05T23:59:59.999Z',
    };
    const params = exportParams(filters, 'ag-1', 'en');
    expect(params.get('assignedAgent')).toBe('ag-7,ag-8');
    expect(params.get('channel')).toBe('email,phone');
    expect(params.get('figure')).toBe('backlog');
    expect(params.get('figureFrom')).toBe('2026-03-01T00:00:00.000Z');
    expect(params.get('figureTo')).toBe('2026-03-05T23:59:59.999Z');
  });
});
