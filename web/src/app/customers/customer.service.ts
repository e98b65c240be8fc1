import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map, of, tap } from 'rxjs';

import { Answer, Body } from '../core/api';
import { Customer } from '../core/models';

export type NewCustomer = Body<'/api/v2/customers', 'post'>;
export type CustomerPage = Omit<Answer<'/api/v2/customers', 'get'>, 'success'>;
type OneCustomer = Answer<'/api/v2/customers/{customer_id}', 'get'>;

const BASE = '/api/v2/customers';
// The API looks customers up by exact phone only; names are matched among this many.
const NAME_SEARCH_POOL = 100;

export function customerName(customer: Customer | null | undefined): string {
  if (!customer) return '';
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(' ');
  return name || customer.phoneNumber;
}

/** A phone number as people type it: at least six digits, maybe `+`, spaces, dashes. */
export function looksLikePhone(text: string): boolean {
  return /^\+?[\d\s().-]{6,}$/.test(text.trim()) && (text.match(/\d/g) ?? []).length >= 6;
}

/** Customers API, with the customers already seen remembered by id (names in lists). */
@Injectable({ providedIn: 'root' })
export class CustomerService {
  private readonly http = inject(HttpClient);
  private readonly known = new Map<string, BehaviorSubject<Customer | null>>();

  list(page = 1, limit = 20): Observable<CustomerPage> {
    return this.http.get<Answer<'/api/v2/customers', 'get'>>(BASE, { params: { page, limit } }).pipe(tap((answer) => this.remember(answer.customers)));
  }

  byPhone(phoneNumber: string): Observable<Customer[]> {
    return this.http
      .get<Answer<'/api/v2/customers', 'get'>>(BASE, { params: { phoneNumber: phoneNumber.trim() } })
      .pipe(map((answer) => answer.customers), tap((found) => this.remember(found)));
  }

  /** Phone → exact lookup; otherwise words matched against the names of recent customers. */
  search(text: string): Observable<Customer[]> {
    const query = text.trim().toLowerCase();
    if (!query) return of([]);
    if (looksLikePhone(query)) return this.byPhone(query);
    return this.list(1, NAME_SEARCH_POOL).pipe(
      map((page) =>
        page.customers.filter((customer) => {
          const haystack = `${customerName(customer)} ${customer.email ?? ''}`.toLowerCase();
          return query.split(/\s+/).every((word) => haystack.includes(word));
        }),
      ),
    );
  }

  /** The API's own search (name, email, phone digits; accents and case ignored): one page. */
  searchPage(text: string, limit = 20): Observable<Customer[]> {
    return this.http
      .get<Answer<'/api/v2/customers', 'get'>>(BASE, { params: { search: text.trim(), page: 1, limit } })
      .pipe(map((answer) => answer.customers), tap((found) => this.remember(found)));
  }

  get(id: string): Observable<Customer> {
    return this.http
      .get<OneCustomer>(`${BASE}/${encodeURIComponent(id)}`)
      .pipe(map((answer) => answer.customer), tap((customer) => this.remember([customer])));
  }

  create(customer: NewCustomer): Observable<Customer> {
    return this.http
      .post<Answer<'/api/v2/customers', 'post'>>(BASE, customer)
      .pipe(map((answer) => answer.customer), tap((created) => this.remember([created])));
  }

  /** Replace the customer's phone, names and email (`PUT`: a field left empty is cleared). */
  update(id: string, details: NewCustomer): Observable<Customer> {
    return this.http
      .put<Answer<'/api/v2/customers/{customer_id}', 'put'>>(`${BASE}/${encodeURIComponent(id)}`, details)
      .pipe(map((answer) => answer.customer), tap((edited) => this.remember([edited])));
  }

  /** A customer by id, fetched once and then kept (null until it arrives). */
  watch(id: string): Observable<Customer | null> {
    let entry = this.known.get(id);
    if (!entry) {
      entry = new BehaviorSubject<Customer | null>(null);
      this.known.set(id, entry);
      this.get(id).subscribe({ error: () => undefined });
    }
    return entry.asObservable();
  }

  private remember(customers: Customer[]): void {
    for (const customer of customers) {
      const entry = this.known.get(customer.id);
      if (entry) entry.next(customer);
      else this.known.set(customer.id, new BehaviorSubject<Customer | null>(customer));
    }
  }
}
