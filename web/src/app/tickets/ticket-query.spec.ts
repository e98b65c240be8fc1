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
});
