import { acceptsFeedback, allowedNext, canResolve, closesWithReason, nextStatuses, plainMoves, statsKey } from './ticket-workflow';

describe('ticket workflow', () => {
  it('offers only the next states the tickets service accepts', () => {
    expect(allowedNext('new')).toEqual(['open', 'resolved', 'closed']);
    expect(allowedNext('open')).toEqual(['in_progress', 'resolved', 'closed']);
    expect(allowedNext('in_progress')).toEqual(['pending_customer', 'waiting_internal', 'resolved', 'closed']);
    expect(allowedNext('resolved')).toEqual(['closed', 'open']);
    expect(allowedNext('closed')).toEqual([]);
  });

  it("prefers the ticket's own allowed next states", () => {
    expect(nextStatuses({ status: 'open', allowedNextStatuses: ['in_progress'] })).toEqual(['in_progress']);
    expect(nextStatuses({ status: 'closed' })).toEqual([]);
  });

  it('offers closing as a plain button only once resolved (otherwise a reason is needed)', () => {
    expect(plainMoves('open', allowedNext('open'))).toEqual(['in_progress']);
    expect(plainMoves('resolved', allowedNext('resolved'))).toEqual(['closed', 'open']);
  });

  it('asks for a reason to close only a ticket nobody resolved', () => {
    expect(closesWithReason('open', allowedNext('open'))).toBe(true);
    expect(closesWithReason('pending_customer', allowedNext('pending_customer'))).toBe(true);
    expect(closesWithReason('resolved', allowedNext('resolved'))).toBe(false);
    expect(closesWithReason('closed', allowedNext('closed'))).toBe(false);
    expect(closesWithReason('in_progress', ['pending_customer'])).toBe(false);
  });

  it('resolves from any open state, and takes feedback once resolved or closed', () => {
    expect(canResolve('in_progress')).toBe(true);
    expect(canResolve('open')).toBe(true);
    expect(canResolve('closed')).toBe(false);
    expect(acceptsFeedback('closed')).toBe(true);
    expect(acceptsFeedback('open')).toBe(false);
  });

  it('maps statuses to the stats answer keys', () => {
    expect(statsKey('pending_customer')).toBe('pendingCustomer');
    expect(statsKey('open')).toBe('open');
  });
});
