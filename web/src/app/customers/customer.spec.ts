import { Customer } from '../core/models';
import { customerName, looksLikePhone } from './customer.service';

describe('customer picker search', () => {
  it('looks numbers up by phone and words up by name', () => {
    expect(looksLikePhone('+52 155 1234 5678')).toBe(true);
    expect(looksLikePhone('55-1234-5678')).toBe(true);
    expect(looksLikePhone('María')).toBe(false);
    expect(looksLikePhone('12')).toBe(false);
  });

  it('names a customer by first and last name, else by phone', () => {
    const customer = { phoneNumber: '+525512345678', firstName: 'María', lastName: null } as Customer;
    expect(customerName(customer)).toBe('María');
    expect(customerName({ ...customer, firstName: null })).toBe('+525512345678');
  });
});
