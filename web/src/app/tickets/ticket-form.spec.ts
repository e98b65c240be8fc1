import { ApiError } from '../core/api-error';
import { SUBJECT_MAX, parseTags, showServerErrors, ticketForm, toNewTicket } from './ticket-form';

describe('ticket form', () => {
  it('starts at medium priority and needs subject, description, category and customer', () => {
    const form = ticketForm();
    expect(form.controls.priority.value).toBe('medium');
    expect(form.controls.category.value).toBe('');
    expect(form.controls.category.hasError('required')).toBe(true);
    expect(form.valid).toBe(false);
    form.patchValue({ subject: 'Lamp off', description: 'Street 5', category: 'other', customerId: 'c1' });
    expect(form.valid).toBe(true);
  });

  it('refuses a subject longer than 200 characters', () => {
    const form = ticketForm();
    form.controls.subject.setValue('x'.repeat(SUBJECT_MAX + 1));
    expect(form.controls.subject.hasError('maxlength')).toBe(true);
    form.controls.subject.setValue('x'.repeat(SUBJECT_MAX));
    expect(form.controls.subject.valid).toBe(true);
  });

  it('sends tags as a list and leaves empty optional fields out as null', () => {
    const form = ticketForm();
    form.patchValue({ subject: 'S', description: 'D', category: 'other', customerId: 'c1', tags: ' calle, , noche ' });
    expect(parseTags('a, b ,, c')).toEqual(['a', 'b', 'c']);
    expect(toNewTicket(form)).toEqual({
      subject: 'S',
      description: 'D',
      category: 'other',
      subcategory: null,
      priority: 'medium',
      tags: ['calle', 'noche'],
      customerId: 'c1',
      conversationId: null,
    });
  });

  it('sends the address and the point picked on the map as the location', () => {
    const form = ticketForm();
    form.patchValue({ subject: 'S', description: 'D', category: 'other', customerId: 'c1', address: ' Av. Juárez 12 ', latitude: 19.4326, longitude: -99.1332 });
    expect(toNewTicket(form).location).toEqual({ address: 'Av. Juárez 12', coordinates: { latitude: 19.4326, longitude: -99.1332 } });
    form.patchValue({ address: '', longitude: null });
    expect(toNewTicket(form).location).toBeUndefined();
    form.patchValue({ latitude: 91 });
    expect(form.controls.latitude.hasError('max')).toBe(true);
  });

  it('shows the server validation errors on the fields they name', () => {
    const form = ticketForm();
    const error: ApiError = {
      status: 422,
      message: 'Invalid request',
      allowed: null,
      details: [
        { field: 'subject', reason: 'String should have at least 1 character' },
        { field: 'category', reason: "must be one of ['other']" },
        { field: 'location', reason: 'not here' },
      ],
    };
    const unplaced = showServerErrors(form, error);
    expect(form.controls.subject.getError('server')).toBe('String should have at least 1 character');
    expect(form.controls.category.getError('server')).toBe("must be one of ['other']");
    expect(form.controls.subject.touched).toBe(true);
    expect(unplaced).toEqual(['location: not here']);
  });
});
