import { DEFAULT_FILTERS } from './ticket-list.state';
import { bulkFilter, legalStatuses, refusalText } from './bulk';

const t = (key: string, params: Record<string, string | number> = {}) => `${key} ${JSON.stringify(params)}`;

describe('bulk actions', () => {
  it('act on all matching the same filters the list shows, page and order aside', () => {
    const filters = { ...DEFAULT_FILTERS, search: 'poste', status: ['new' as const], assigned: 'unassigned' as const, page: 3, sortBy: 'priority' as const };
    expect(bulkFilter(filters)).toEqual({ search: 'poste', status: ['new'], assignedAgent: ['unassigned'] });
    expect(bulkFilter(DEFAULT_FILTERS)).toEqual({});
  });

  it("act on the tickets behind a report's figure, of several agents and channels, as the list shows them", () => {
    const filters = {
      ...DEFAULT_FILTERS,
      agent: ['ag-1', 'ag-2'],
      assigned: 'me' as const,
      channel: ['whatsapp'],
      figure: 'reopened' as const,
      figureFrom: '2026-12-01T00:00:00.000Z',
      figureTo: '2026-12-07T23:59:59.999Z',
    };
    expect(bulkFilter(filters)).toEqual({
      assignedAgent: ['ag-1', 'ag-2'],
      channel: ['whatsapp'],
      figure: 'reopened',
      figureFrom: '2026-12-01T00:00:00.000Z',
      figureTo: '2026-12-07T23:59:59.999Z',
    });
    expect(bulkFilter({ ...DEFAULT_FILTERS, figure: 'backlog', figureTo: '2026-12-07T23:59:59.999Z' })).toEqual({ figure: 'backlog', figureTo: '2026-12-07T23:59:59.999Z' });
  });

  it('offer the statuses legal for most of the selection first, never resolved', () => {
    const legal = legalStatuses([{ status: 'new' }, { status: 'open' }, { status: 'open' }]);
    expect(legal[0]).toEqual({ status: 'closed', count: 3 });
    expect(legal.find((l) => l.status === 'in_progress')).toEqual({ status: 'in_progress', count: 2 });
    expect(legal.some((l) => l.status === 'resolved')).toBe(false);
  });

  it('word a refusal from its reason code, statuses by name', () => {
    const text = refusalText({ reason: 'illegal_transition', params: { from: 'closed', to: 'open' } }, t as never, (s) => `<${s}>`);
    expect(text).toContain('bulk.reason.illegal_transition');
    expect(text).toContain('"from":"<closed>"');
    expect(refusalText({ reason: 'weird', params: {} }, t as never, (s) => s)).toContain('bulk.reason.other');
  });
});
