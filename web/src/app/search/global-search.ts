import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { catchError, debounceTime, distinctUntilChanged, forkJoin, map, of, switchMap, tap } from 'rxjs';

import { I18nService } from '../core/i18n.service';
import { Customer, TicketSummary } from '../core/models';
import { CustomerService, customerName } from '../customers/customer.service';
import { TicketService } from '../tickets/ticket.service';
import { Part, highlight, searchWords, snippet } from './highlight';

const DEBOUNCE_MS = 250;
const SHOWN = 5;

interface Found {
  query: string;
  tickets: TicketSummary[];
  customers: Customer[];
}

/** The shell's one search box: tickets and customers together, live as you type, the words
 * found marked in subjects, descriptions and names (accents and case ignored). */
@Component({
  selector: 'app-global-search',
  imports: [ReactiveFormsModule, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:click)': 'outside($event)', '(keydown.escape)': 'open.set(false)' },
  template: `
    <div class="relative" role="search">
      <label>
        <span class="sr-only">{{ i18n.t('search.global') }}</span>
        <input type="search" [formControl]="text" (focus)="open.set(true)" (keydown.enter)="seeAll()" [placeholder]="i18n.t('search.global')" class="w-40 rounded-md border border-gray-300 px-2 py-1 text-sm sm:w-56 lg:w-72" autocomplete="off" data-shortcut="search" data-testid="global-search" />
      </label>
      @if (open() && text.value.trim()) {
        <div class="absolute right-0 z-50 mt-1 max-h-[70vh] w-[min(28rem,90vw)] overflow-y-auto rounded-lg border border-gray-200 bg-white p-2 text-sm shadow-lg" data-testid="global-results">
          @if (busy() && !found()) {
            <p class="px-2 py-1 text-gray-500">{{ i18n.t('search.searching') }}</p>
          } @else if (found(); as found) {
            @if (found.tickets.length === 0 && found.customers.length === 0) {
              <p class="px-2 py-1 text-gray-500">{{ i18n.t('search.none', { q: found.query }) }}</p>
            }
            @if (found.tickets.length) {
              <h3 class="px-2 pt-1 text-xs font-medium uppercase tracking-wide text-gray-500">{{ i18n.t('search.tickets') }}</h3>
              <ul>
                @for (ticket of found.tickets; track ticket.ticketId) {
                  <li>
                    <a [routerLink]="['/tickets', ticket.ticketId]" (click)="open.set(false)" class="block rounded px-2 py-1.5 hover:bg-gray-50" data-testid="global-ticket">
                      <span class="font-mono text-xs text-indigo-700">{{ ticket.ticketId }}</span>
                      <span class="block font-medium text-gray-900">@for (part of marks(ticket.subject); track $index) {@if (part.hit) {<mark class="rounded bg-yellow-200 px-0.5">{{ part.text }}</mark>} @else {{{ part.text }}}}</span>
                      <span class="block text-xs text-gray-600">@for (part of marks(cut(ticket.description)); track $index) {@if (part.hit) {<mark class="rounded bg-yellow-200 px-0.5">{{ part.text }}</mark>} @else {{{ part.text }}}}</span>
                      @if (ticket.customer?.name; as name) {
                        <span class="block text-xs text-gray-500">@for (part of marks(name); track $index) {@if (part.hit) {<mark class="rounded bg-yellow-200 px-0.5">{{ part.text }}</mark>} @else {{{ part.text }}}}</span>
                      }
                    </a>
                  </li>
                }
              </ul>
              <button type="button" class="block w-full rounded px-2 py-1 text-left text-xs font-medium text-indigo-700 hover:bg-gray-50" (click)="seeAll()">{{ i18n.t('search.allTickets', { q: found.query }) }}</button>
            }
            @if (found.customers.length) {
              <h3 class="px-2 pt-2 text-xs font-medium uppercase tracking-wide text-gray-500">{{ i18n.t('search.customers') }}</h3>
              <ul>
                @for (customer of found.customers; track customer.id) {
                  <li>
                    <a [routerLink]="['/customers', customer.id]" (click)="open.set(false)" class="block rounded px-2 py-1.5 hover:bg-gray-50" data-testid="global-customer">
                      <span class="block font-medium text-gray-900">@for (part of marks(name(customer)); track $index) {@if (part.hit) {<mark class="rounded bg-yellow-200 px-0.5">{{ part.text }}</mark>} @else {{{ part.text }}}}</span>
                      <span class="block text-xs text-gray-500">{{ customer.phoneNumber }}</span>
                    </a>
                  </li>
                }
              </ul>
            }
          }
        </div>
      }
    </div>
  `,
})
export class GlobalSearch {
  protected readonly i18n = inject(I18nService);
  private readonly tickets = inject(TicketService);
  private readonly customers = inject(CustomerService);
  private readonly router = inject(Router);
  private readonly host = inject(ElementRef<HTMLElement>);
  protected readonly text = new FormControl('', { nonNullable: true });
  protected readonly open = signal(false);
  protected readonly busy = signal(false);
  protected readonly found = signal<Found | null>(null);
  private words: string[] = [];

  constructor() {
    this.text.valueChanges
      .pipe(
        map((text) => text.trim()),
        debounceTime(DEBOUNCE_MS),
        distinctUntilChanged(),
        tap(() => this.busy.set(true)),
        switchMap((query) => (query ? this.search(query) : of(null))),
        takeUntilDestroyed(inject(DestroyRef)),
      )
      .subscribe((found) => {
        this.busy.set(false);
        this.words = found ? searchWords(found.query) : [];
        this.found.set(found);
        if (found) this.open.set(true);
      });
  }

  private search(query: string) {
    const tickets = this.tickets.list({ page: 1, limit: SHOWN, search: query }).pipe(
      map((page) => page.tickets),
      catchError(() => of([] as TicketSummary[])),
    );
    const customers = this.customers.searchPage(query, SHOWN).pipe(catchError(() => of([] as Customer[])));
    return forkJoin({ tickets, customers }).pipe(map((found) => ({ query, ...found })));
  }

  protected marks(text: string): Part[] {
    return highlight(text, this.words);
  }

  protected cut(text: string): string {
    return snippet(text, this.words);
  }

  protected name(customer: Customer): string {
    return customerName(customer);
  }

  protected seeAll(): void {
    const query = this.text.value.trim();
    if (!query) return;
    this.open.set(false);
    void this.router.navigate(['/tickets'], { queryParams: { q: query } });
  }

  protected outside(event: Event): void {
    if (!this.host.nativeElement.contains(event.target as Node)) this.open.set(false);
  }
}
