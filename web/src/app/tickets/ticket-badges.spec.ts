import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { PriorityMark } from './priority-mark';
import { TicketStatusBadge } from './ticket-status-badge';

function setUp(): void {
  localStorage.setItem('uts.language', 'en');
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
}

describe('status badge', () => {
  it('shows the status in words with the plan colours', async () => {
    setUp();
    const fixture = TestBed.createComponent(TicketStatusBadge);
    fixture.componentRef.setInput('status', 'in_progress');
    await fixture.whenStable();
    const badge: HTMLElement = fixture.nativeElement.querySelector('[data-status]');
    expect(badge.textContent?.trim()).toBe('In progress');
    expect(badge.className).toContain('bg-yellow-100');
  });

  it('names the customer with the configured noun while waiting for them', async () => {
    setUp();
    const fixture = TestBed.createComponent(TicketStatusBadge);
    fixture.componentRef.setInput('status', 'pending_customer');
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent.trim()).toBe('Waiting for customer');
  });
});

describe('priority mark', () => {
  it('draws urgent in red with a pulsing dot', async () => {
    setUp();
    const fixture = TestBed.createComponent(PriorityMark);
    fixture.componentRef.setInput('priority', 'urgent');
    await fixture.whenStable();
    const element: HTMLElement = fixture.nativeElement;
    expect(element.querySelector('[data-pulse]')?.className).toContain('animate-ping');
    expect(element.querySelector('[data-priority]')?.className).toContain('text-red-700');
    expect(element.textContent?.trim()).toBe('Urgent');
  });

  it('has no pulse below urgent', async () => {
    setUp();
    const fixture = TestBed.createComponent(PriorityMark);
    fixture.componentRef.setInput('priority', 'high');
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('[data-pulse]')).toBeNull();
  });
});
