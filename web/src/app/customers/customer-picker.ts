import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, inject, input, output, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { CUSTOMER_FIELDS, customerDetailsForm } from './customer-form';
import { catchError, debounceTime, distinctUntilChanged, of, switchMap } from 'rxjs';

import { errorsByField, toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { Customer } from '../core/models';
import { CustomerService, customerName, looksLikePhone } from './customer.service';

/** The new customer's fields from a search that found nobody: a phone, or first and last name. */
export function prefill(text: string): { phoneNumber?: string; firstName?: string; lastName?: string } {
  const typed = text.trim();
  if (looksLikePhone(typed)) return { phoneNumber: typed };
  const [firstName, ...rest] = typed.split(/\s+/);
  return { firstName: firstName ?? '', lastName: rest.join(' ') };
}

const INPUT = 'block w-full rounded-md border border-gray-300 px-3 py-2 text-sm';

/** Choose a customer by phone or name, or create one on the spot (offered, with what was
 * typed, when the search finds nobody: the phone is typed once). */
@Component({
  selector: 'app-customer-picker',
  imports: [ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (selected(); as customer) {
      <div class="flex items-center justify-between gap-2 rounded-md border border-gray-300 bg-gray-50 px-3 py-2 text-sm" data-testid="picked-customer">
        <span><span class="font-medium text-gray-900">{{ name(customer) }}</span><span class="ml-2 text-gray-600">{{ customer.phoneNumber }}</span></span>
        @if (!locked()) {
          <button type="button" class="text-indigo-700 hover:underline" (click)="clear()">{{ i18n.t('picker.change') }}</button>
        }
      </div>
    } @else {
      <input type="search" [formControl]="query" [placeholder]="i18n.t('picker.search')" [class]="input" [attr.aria-invalid]="invalid() || null" data-testid="customer-search" />
      @if (results().length) {
        <ul class="mt-1 max-h-56 overflow-y-auto rounded-md border border-gray-200 bg-white text-sm shadow-sm" role="listbox">
          @for (customer of results(); track customer.id) {
            <li role="option" [attr.aria-selected]="false">
              <button type="button" class="block w-full px-3 py-2 text-left hover:bg-indigo-50 focus:bg-indigo-50 focus:outline-none" (click)="pick(customer)" data-testid="customer-option">
                <span class="font-medium">{{ name(customer) }}</span><span class="ml-2 text-gray-600">{{ customer.phoneNumber }}</span>
              </button>
            </li>
          }
        </ul>
      } @else if (searched()) {
        <p class="mt-1 text-xs text-gray-500">{{ i18n.t('picker.noResults') }}</p>
        @if (!creating()) {
          <button type="button" class="mt-1 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-1.5 text-sm font-medium text-indigo-800 hover:bg-indigo-100" (click)="offerCreate()" data-testid="customer-create-offer">{{ offer() }}</button>
        }
      }
      <details class="mt-2 rounded-md border border-dashed border-gray-300 p-3" [open]="creating()" (toggle)="creating.set($any($event.target).open)">
        <summary class="cursor-pointer text-sm font-medium text-indigo-700" data-testid="customer-create-toggle">{{ i18n.t('picker.createNew') }}</summary>
        <div [formGroup]="newCustomer" class="mt-2 grid gap-2 sm:grid-cols-2">
          @for (field of fields; track field.name) {
            <label class="block text-xs text-gray-600">{{ i18n.t(field.label) }}
              <input [formControlName]="field.name" [type]="field.type" [class]="input" [attr.data-testid]="'new-customer-' + field.name" />
              @if (createErrors()[field.name]; as reason) {
                <span class="mt-0.5 block text-xs text-red-700" role="alert">{{ reason }}</span>
              }
            </label>
          }
        </div>
        @if (createProblem()) {
          <p class="mt-2 text-xs text-red-700" role="alert">{{ createProblem() }}</p>
        }
        <button type="button" class="mt-2 rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium" [disabled]="newCustomer.invalid" (click)="create()" data-testid="customer-create">{{ i18n.t('picker.create') }}</button>
      </details>
    }
  `,
})
export class CustomerPicker implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly customers = inject(CustomerService);
  private readonly destroyRef = inject(DestroyRef);

  readonly initialId = input<string | null>(null);
  readonly locked = input(false);
  readonly invalid = input(false);
  readonly picked = output<Customer | null>();

  protected readonly input = INPUT;
  protected readonly name = customerName;
  protected readonly selected = signal<Customer | null>(null);
  protected readonly results = signal<Customer[]>([]);
  protected readonly searched = signal(false);
  protected readonly creating = signal(false);
  protected readonly createErrors = signal<Record<string, string>>({});
  protected readonly createProblem = signal('');
  protected readonly query = new FormControl('', { nonNullable: true });
  protected readonly newCustomer = customerDetailsForm();
  protected readonly fields = CUSTOMER_FIELDS;

  ngOnInit(): void {
    const id = this.initialId();
    if (id) this.customers.get(id).subscribe({ next: (customer) => this.pick(customer), error: () => undefined });
    this.query.valueChanges
      .pipe(
        debounceTime(250),
        distinctUntilChanged(),
        switchMap((text) => this.customers.search(text).pipe(catchError(() => of([])))),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((found) => {
        this.results.set(found);
        this.searched.set(this.query.value.trim() !== '');
      });
  }

  /** "Create customer with phone …" (or named …) for what was searched and not found. */
  protected offer(): string {
    const text = this.query.value.trim();
    return looksLikePhone(text)
      ? this.i18n.t('picker.createWithPhone', { phone: text })
      : this.i18n.t('picker.createWithName', { name: text });
  }

  /** Open the new customer's form with what was typed: the phone, or the name. */
  protected offerCreate(): void {
    this.newCustomer.patchValue(prefill(this.query.value));
    this.creating.set(true);
  }

  protected pick(customer: Customer): void {
    this.selected.set(customer);
    this.results.set([]);
    this.picked.emit(customer);
  }

  protected clear(): void {
    this.selected.set(null);
    this.query.setValue('');
    this.picked.emit(null);
  }

  protected create(): void {
    const value = this.newCustomer.getRawValue();
    this.createErrors.set({});
    this.createProblem.set('');
    this.customers
      .create({
        phoneNumber: value.phoneNumber,
        firstName: value.firstName || null,
        lastName: value.lastName || null,
        email: value.email || null,
      })
      .subscribe({
        next: (customer) => {
          this.creating.set(false);
          this.newCustomer.reset();
          this.pick(customer);
        },
        error: (error: unknown) => {
          const problem = toApiError(error);
          const byField = errorsByField(problem);
          this.createErrors.set(byField);
          if (Object.keys(byField).length === 0) this.createProblem.set(problem.message);
        },
      });
  }
}
