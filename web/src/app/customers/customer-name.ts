import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { CustomerRef } from '../core/models';
import { CustomerService, customerName } from './customer.service';

/** A customer's name (or phone): the one a ticket carries (`known`), else fetched by id once
 * per session. */
@Component({
  selector: 'app-customer-name',
  imports: [AsyncPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `@if (known(); as ref) {{{ ref.name || ref.phoneNumber }}} @else {{{ name(customer$() | async) }}}`,
})
export class CustomerName {
  private readonly customers = inject(CustomerService);
  readonly id = input.required<string>();
  readonly known = input<CustomerRef | null | undefined>(null);
  protected readonly customer$ = computed(() => this.customers.watch(this.id()));
  protected readonly name = customerName;
}
