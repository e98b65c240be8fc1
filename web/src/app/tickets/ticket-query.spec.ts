import { DEFAULT_FILTERS, toQuery } from './ticket-list.state';
import { listParams } from './ticket.service';

describe('tickets list query', () => {
  it('sends only the filters that are set', () => {
    const params = listParams(toQuery({ ...DEFAULT_FILTERS, status: 'open', search: ' lamp ' }, 'me-1'));
    expect(params.toString()).toBe('page=1&limit=20&search=lamp&status=open&sortOrder=desc');
  });

  it('turns "assigned to me" into my id and "unassigned" into the API value', () => {
    expect(toQuery({ ...DEFAULT_FILTERS, assigned: 'me' }, 'me-1').assignedAgent).toBe('me-1');
    expect(toQuery({ ...DEFAULT_FILTERS, assigned: 'unassigned' }, 'me-1').assignedAgent).toBe('unassigned');
    expect(toQuery({ ...DEFAULT_FILTERS, assigned: 'anyone' }, 'me-1').assignedAgent).toBeUndefined();
  });

  it('maps the SLA filter to slaState, and sends nothing for any state', () => {
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: 'breached' }, null)).get('slaState')).toBe('breached');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: 'warning' }, null)).get('slaState')).toBe('warning');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: 'ok' }, null)).get('slaState')).toBe('ok');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: 'met' }, null)).get('slaState')).toBe('met');
    expect(listParams(toQuery({ ...DEFAULT_FILTERS, sla: '' }, null)).has('slaState')).toBe(false);
  });

  it('sends several SLA states comma-separated', () => {
    const params = listParams({ page: 1, limit: 20, slaState: ['breached', 'warning'] });
    expect(params.toString()).toBe('page=1&limit=20&slaState=breached,warning');
  });
});
