import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { Customer, Pagination } from '../core/models';
import { Pager } from '../widgets/pager';
import { CustomerService, customerName } from './customer.service';

/** `/customers`: every customer, newest first, or the ones a phone/name search finds. */
@Component({
  selector: 'app-customer-list',
  imports: [ReactiveFormsModule, RouterLink, Pager],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1 class="mb-4 text-2xl font-semibold text-gray-900">{{ i18n.t('customers.title') }}</h1>
    <form class="mb-4 flex gap-2" (submit)="$event.preventDefault(); find()" role="search">
      <input type="search" [formControl]="query" [placeholder]="i18n.t('picker.search')" class="w-full max-w-md rounded-md border border-gray-300 px-3 py-2 text-sm" data-testid="customer-query" />
      <button type="submit" class="rounded-md border border-gray-300 bg-white px-3 py-2 text-sm font-medium">{{ i18n.t('common.search') }}</button>
    </form>
    @if (problem()) {
      <p class="mb-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ problem() }}</p>
    }
    @if (customers().length === 0) {
      <p class="rounded-lg border border-dashed border-gray-300 bg-white p-8 text-center text-gray-500">{{ i18n.t('customers.empty') }}</p>
    } @else {
      <div class="overflow-x-auto rounded-lg border border-gray-200 bg-white">
        <table class="min-w-full divide-y divide-gray-200 text-sm">
          <thead class="bg-gray-50 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
            <tr>
              <th scope="col" class="px-3 py-2">{{ i18n.t('customers.colName') }}</th>
              <th scope="col" class="px-3 py-2">{{ i18n.t('customers.colPhone') }}</th>
              <th scope="col" class="hidden px-3 py-2 sm:table-cell">{{ i18n.t('customers.colEmail') }}</th>
              <th scope="col" class="px-3 py-2 text-right">{{ i18n.t('customers.colTickets') }}</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-gray-100">
            @for (customer of customers(); track customer.id) {
              <tr class="hover:bg-gray-50">
                <td class="px-3 py-2"><a [routerLink]="['/customers', customer.id]" class="font-medium text-indigo-700 hover:underline">{{ name(customer) }}</a></td>
                <td class="whitespace-nowrap px-3 py-2 text-gray-700">{{ customer.phoneNumber }}</td>
                <td class="hidden px-3 py-2 text-gray-700 sm:table-cell">{{ customer.email }}</td>
                <td class="px-3 py-2 text-right text-gray-700">{{ customer.statistics.totalTickets }}</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    }
    <app-pager [pagination]="pagination()" (go)="load($event)" />
  `,
})
export class CustomerList implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly api = inject(CustomerService);
  protected readonly query = new FormControl('', { nonNullable: true });
  protected readonly customers = signal<Customer[]>([]);
  protected readonly pagination = signal<Pagination | null>(null);
  protected readonly problem = signal('');
  protected readonly name = customerName;

  ngOnInit(): void {
    this.load(1);
  }

  /** The latest list asked for: an earlier answer arriving after it is dropped (a search made
   * while the first page loads keeps its results). */
  private asked = 0;

  protected load(page: number): void {
    const asked = ++this.asked;
    this.api.list(page).subscribe({
      next: (answer) => {
        if (asked !== this.asked) return;
        this.customers.set(answer.customers);
        this.pagination.set(answer.pagination);
      },
      error: (error: unknown) => this.problem.set(toApiError(error).message),
    });
  }

  protected find(): void {
    if (!this.query.value.trim()) {
      this.load(1);
      return;
    }
    const asked = ++this.asked;
    this.api.search(this.query.value).subscribe({
      next: (found) => {
        if (asked !== this.asked) return;
        this.customers.set(found);
        this.pagination.set(null);
      },
      error: (error: unknown) => this.problem.set(toApiError(error).message),
    });
  }
}
