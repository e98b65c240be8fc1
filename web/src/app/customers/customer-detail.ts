import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ReactiveFormsModule } from '@angular/forms';
import { CUSTOMER_FIELDS, customerDetailsForm } from './customer-form';

import { errorsByField, toApiError } from '../core/api-error';
import { ToastService } from '../core/toast.service';
import { I18nService } from '../core/i18n.service';
import { Conversation, Customer, TicketPage } from '../core/models';
import { ConversationService } from '../conversations/conversation.service';
import { Pager } from '../widgets/pager';
import { TicketService } from '../tickets/ticket.service';
import { TicketTable } from '../tickets/ticket-table';
import { ExportCsv } from '../tickets/export-csv';
import { CustomerService, customerName } from './customer.service';

type Tab = 'profile' | 'tickets' | 'conversations';

/** `/customers/:id`: profile (editable: phone, names, email), the customer's tickets and
 * conversations, "Create ticket". */
@Component({
  selector: 'app-customer-detail',
  imports: [RouterLink, ReactiveFormsModule, Pager, TicketTable, ExportCsv],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a routerLink="/customers" class="mb-3 inline-block text-sm text-indigo-700 hover:underline">← {{ i18n.t('customers.title') }}</a>
    @if (problem()) {
      <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ problem() }}</p>
    }
    @if (customer(); as customer) {
      <div class="mb-4 flex flex-wrap items-start justify-between gap-3 rounded-lg border border-gray-200 bg-white p-4">
        <div>
          <h1 class="text-xl font-semibold text-gray-900" data-testid="customer-name">{{ name(customer) }}</h1>
          <p class="text-sm text-gray-600"><span data-testid="customer-phone">{{ customer.phoneNumber }}</span> {{ customer.email ? '· ' + customer.email : '' }}</p>
        </div>
        <div class="flex gap-2">
        <button type="button" class="rounded-md border border-gray-300 px-3 py-2 text-sm font-medium text-gray-700 hover:bg-gray-50" (click)="startEdit(customer)" [attr.aria-expanded]="editing()" data-testid="customer-edit">{{ i18n.t('customers.edit') }}</button>
        <a [routerLink]="['/tickets/new']" [queryParams]="{ customerId: customer.id }" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700" data-testid="customer-create-ticket">+ {{ i18n.t('customers.createTicket') }}</a>
        </div>
      </div>
      @if (editing()) {
        <form [formGroup]="form" (ngSubmit)="save()" class="mb-4 grid gap-3 rounded-lg border border-indigo-200 bg-white p-4 sm:grid-cols-2" novalidate data-testid="customer-form">
          @for (field of fields; track field.name) {
            <label class="block text-sm text-gray-700">{{ i18n.t(field.label) }}
              <input [formControlName]="field.name" [type]="field.type" class="mt-1 block w-full rounded-md border px-3 py-2 text-sm" [class]="errors()[field.name] ? 'border-red-400' : 'border-gray-300'" [attr.aria-invalid]="errors()[field.name] ? true : null" [attr.data-testid]="'customer-' + field.name" />
              @if (errors()[field.name]; as reason) {
                <span class="mt-0.5 block text-xs text-red-700" role="alert" [attr.data-error-for]="field.name">{{ reason }}</span>
              }
            </label>
          }
          @if (saveProblem()) {
            <p class="text-sm text-red-700 sm:col-span-2" role="alert">{{ saveProblem() }}</p>
          }
          <div class="flex justify-end gap-2 sm:col-span-2">
            <button type="button" class="rounded-md border border-gray-300 px-3 py-2 text-sm" (click)="editing.set(false)">{{ i18n.t('common.cancel') }}</button>
            <button type="submit" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white disabled:opacity-60" [disabled]="form.invalid || busy()" data-testid="customer-save">{{ i18n.t('common.save') }}</button>
          </div>
        </form>
      }
      <div class="mb-3 flex gap-1 overflow-x-auto border-b border-gray-200" role="tablist">
        @for (item of tabs; track item.id) {
          <button type="button" role="tab" [attr.aria-selected]="tab() === item.id" (click)="tab.set(item.id)" class="-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium" [class]="tab() === item.id ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-gray-600 hover:text-gray-900'">{{ i18n.t(item.label) }}</button>
        }
      </div>
      @switch (tab()) {
        @case ('profile') {
          <dl class="grid gap-3 rounded-lg border border-gray-200 bg-white p-4 text-sm sm:grid-cols-2">
            <div><dt class="text-gray-500">{{ i18n.t('customers.colPhone') }}</dt><dd>{{ customer.phoneNumber }}</dd></div>
            <div><dt class="text-gray-500">{{ i18n.t('customers.colEmail') }}</dt><dd>{{ customer.email || '—' }}</dd></div>
            <div><dt class="text-gray-500">{{ i18n.t('customers.colTickets') }}</dt><dd>{{ customer.statistics.totalTickets }}</dd></div>
            <div><dt class="text-gray-500">{{ i18n.t('ticket.created') }}</dt><dd>{{ i18n.dateTime(customer.createdAt) }}</dd></div>
          </dl>
        }
        @case ('tickets') {
          @if (tickets(); as page) {
            <div class="mb-2 flex justify-end"><app-export-csv [customerId]="id()" /></div>
            <app-ticket-table [tickets]="page.tickets" [showCustomer]="false" />
            <app-pager [pagination]="page.pagination" (go)="loadTickets($event)" />
          }
        }
        @case ('conversations') {
          @if (conversations().length === 0) {
            <p class="text-sm text-gray-500">{{ i18n.t('customers.noConversations') }}</p>
          }
          <ul class="space-y-2">
            @for (conversation of conversations(); track conversation.id) {
              <li class="rounded-lg border border-gray-200 bg-white p-3 text-sm">
                <a [routerLink]="['/conversations', conversation.id]" class="text-indigo-700 hover:underline">{{ i18n.source(conversation.channel) }} · {{ i18n.conversationStatus(conversation.status) }}</a>
                <span class="ml-2 text-gray-500">{{ i18n.ago(conversation.updatedAt) }}</span>
              </li>
            }
          </ul>
        }
      }
    }
  `,
})
export class CustomerDetail implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly customers = inject(CustomerService);
  private readonly ticketsApi = inject(TicketService);
  private readonly conversationsApi = inject(ConversationService);

  /** Route parameter `:id`. */
  readonly id = input.required<string>();
  protected readonly tabs: { id: Tab; label: 'customers.tabProfile' | 'customers.tabTickets' | 'customers.tabConversations' }[] = [
    { id: 'tickets', label: 'customers.tabTickets' },
    { id: 'conversations', label: 'customers.tabConversations' },
    { id: 'profile', label: 'customers.tabProfile' },
  ];
  protected readonly tab = signal<Tab>('tickets');
  protected readonly customer = signal<Customer | null>(null);
  protected readonly tickets = signal<TicketPage | null>(null);
  protected readonly conversations = signal<Conversation[]>([]);
  protected readonly problem = signal('');
  protected readonly name = customerName;

  protected readonly editing = signal(false);
  protected readonly busy = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly saveProblem = signal('');
  protected readonly form = customerDetailsForm();
  protected readonly fields = CUSTOMER_FIELDS;
  private readonly toasts = inject(ToastService);

  protected startEdit(customer: Customer): void {
    this.form.setValue({
      phoneNumber: customer.phoneNumber,
      firstName: customer.firstName ?? '',
      lastName: customer.lastName ?? '',
      email: customer.email ?? '',
    });
    this.errors.set({});
    this.saveProblem.set('');
    this.editing.set(true);
  }

  /** Save the edit; the server's reasons appear on their fields (a phone taken, an email). */
  protected save(): void {
    const value = this.form.getRawValue();
    this.busy.set(true);
    this.customers
      .update(this.id(), {
        phoneNumber: value.phoneNumber,
        firstName: value.firstName || null,
        lastName: value.lastName || null,
        email: value.email || null,
      })
      .subscribe({
        next: (customer) => {
          this.busy.set(false);
          this.customer.set(customer);
          this.editing.set(false);
          this.toasts.show(this.i18n.t('customers.saved'), 'success');
        },
        error: (error: unknown) => {
          this.busy.set(false);
          const problem = toApiError(error);
          const byField = errorsByField(problem);
          this.errors.set(byField);
          this.saveProblem.set(Object.keys(byField).length ? '' : problem.message);
        },
      });
  }

  ngOnInit(): void {
    this.customers.get(this.id()).subscribe({
      next: (customer) => this.customer.set(customer),
      error: (error: unknown) => this.problem.set(toApiError(error).message),
    });
    this.loadTickets(1);
    this.conversationsApi.ofCustomer(this.id()).subscribe({ next: (list) => this.conversations.set(list), error: () => undefined });
  }

  protected loadTickets(page: number): void {
    this.ticketsApi.byCustomer(this.id(), page).subscribe({ next: (answer) => this.tickets.set(answer), error: () => undefined });
  }
}
