import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { CustomerService, customerName } from './customer.service';

/** A customer's name (or phone) by id, fetched once per session. */
@Component({
  selector: 'app-customer-name',
  imports: [AsyncPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `{{ name(customer$() | async) }}`,
})
export class CustomerName {
  private readonly customers = inject(CustomerService);
  readonly id = input.required<string>();
  protected readonly customer$ = computed(() => this.customers.watch(this.id()));
  protected readonly name = customerName;
}
