import { acceptsFeedback, allowedNext, canResolve, statsKey } from './ticket-workflow';

describe('ticket workflow', () => {
  it('offers only the next states the tickets service accepts', () => {
    expect(allowedNext('new')).toEqual(['open']);
    expect(allowedNext('open')).toEqual(['in_progress']);
    expect(allowedNext('in_progress')).toEqual(['pending_customer', 'waiting_internal', 'resolved']);
    expect(allowedNext('resolved')).toEqual(['closed', 'open']);
    expect(allowedNext('closed')).toEqual([]);
  });

  it('resolves only from in progress, and takes feedback once resolved or closed', () => {
    expect(canResolve('in_progress')).toBe(true);
    expect(canResolve('open')).toBe(false);
    expect(acceptsFeedback('closed')).toBe(true);
    expect(acceptsFeedback('open')).toBe(false);
  });

  it('maps statuses to the stats answer keys', () => {
    expect(statsKey('pending_customer')).toBe('pendingCustomer');
    expect(statsKey('open')).toBe('open');
  });
});
