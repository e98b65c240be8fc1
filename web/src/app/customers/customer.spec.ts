import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { Customer, CustomerRef } from '../core/models';
import { CustomerName } from './customer-name';
import { customerName, looksLikePhone } from './customer.service';
import { prefill } from './customer-picker';

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

describe('customer name', () => {
  beforeEach(() => TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] }));

  function render(known: CustomerRef | null): () => string {
    const fixture = TestBed.createComponent(CustomerName);
    fixture.componentRef.setInput('id', 'c1');
    fixture.componentRef.setInput('known', known);
    return () => {
      fixture.detectChanges();
      return fixture.nativeElement.textContent.trim();
    };
  }

  it('shows the name a ticket carries without asking for the customer', () => {
    expect(render({ id: 'c1', name: 'María López', phoneNumber: '+525512345678' })()).toBe('María López');
    expect(render({ id: 'c1', name: null, phoneNumber: '+525512345678' })()).toBe('+525512345678');
    TestBed.inject(HttpTestingController).expectNone('/api/v2/customers/c1');
  });

  it('asks for the customer by id when the ticket carries none', () => {
    const text = render(null);
    expect(text()).toBe('');
    const customer = { id: 'c1', phoneNumber: '+525512345678', firstName: 'María', lastName: null } as Customer;
    TestBed.inject(HttpTestingController).expectOne('/api/v2/customers/c1').flush({ success: true, customer });
    expect(text()).toBe('María');
  });
});

describe('creating the customer a search did not find', () => {
  it('starts from what was typed: the phone, or the first and last names', () => {
    expect(prefill(' +52 55 1234 5678 ')).toEqual({ phoneNumber: '+52 55 1234 5678' });
    expect(prefill('María  López Díaz')).toEqual({ firstName: 'María', lastName: 'López Díaz' });
    expect(prefill('Ana')).toEqual({ firstName: 'Ana', lastName: '' });
  });
});
