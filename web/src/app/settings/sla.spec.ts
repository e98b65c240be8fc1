import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { SlaPolicy } from '../core/models';
import { HOUR_MS, MINUTE_MS, SlaSettings, fillSlaForm, holidayControl, slaForm, toDuration, toMs, toSlaPolicy } from './sla-settings';

/** The built-in policy: the plans' table, around the clock. */
const DEFAULT_POLICY: SlaPolicy = {
  targets: {
    urgent: { firstResponseMs: 15 * MINUTE_MS, resolutionMs: 4 * HOUR_MS },
    high: { firstResponseMs: HOUR_MS, resolutionMs: 24 * HOUR_MS },
    medium: { firstResponseMs: 4 * HOUR_MS, resolutionMs: 72 * HOUR_MS },
    low: { firstResponseMs: 24 * HOUR_MS, resolutionMs: 7 * 24 * HOUR_MS },
  },
  calendar: '24x7',
  pauseStatuses: ['pending_customer'],
  warningAt: 0.75,
  onBreach: { escalate: false, toAgentId: null, raisePriority: false },
};

const OFFICE_POLICY: SlaPolicy = {
  ...DEFAULT_POLICY,
  calendar: {
    timeZone: 'America/Mexico_City',
    workingDays: [1, 2, 3, 4, 5, 6],
    workingHours: { start: '08:30', end: '17:00' },
    holidays: ['2026-09-16', '2026-12-25'],
  },
  pauseStatuses: ['pending_customer', 'waiting_internal'],
  warningAt: 0.8,
  onBreach: { escalate: true, toAgentId: 'agent-7', raisePriority: true },
};

describe('SLA policy form', () => {
  it('shows targets in whole hours when they are, else in minutes, and stores milliseconds', () => {
    expect(toDuration(15 * MINUTE_MS)).toEqual({ amount: 15, unit: 'minutes' });
    expect(toDuration(4 * HOUR_MS)).toEqual({ amount: 4, unit: 'hours' });
    expect(toDuration(7 * 24 * HOUR_MS)).toEqual({ amount: 168, unit: 'hours' });
    expect(toDuration(90 * MINUTE_MS)).toEqual({ amount: 90, unit: 'minutes' });
    expect(toMs(15, 'minutes')).toBe(900_000);
    expect(toMs(1.5, 'hours')).toBe(5_400_000);
  });

  it('gives back the policy it was filled with, around the clock or in business hours', () => {
    for (const policy of [DEFAULT_POLICY, OFFICE_POLICY]) {
      const form = slaForm();
      fillSlaForm(form, policy);
      expect(toSlaPolicy(form)).toEqual(policy);
    }
  });

  it('sends a business calendar from the fields: checked days, hours, holidays, warning share', () => {
    const form = slaForm();
    fillSlaForm(form, DEFAULT_POLICY);
    expect(form.controls.warningPercent.value).toBe(75);
    form.controls.calendarMode.setValue('business');
    const calendar = form.controls.calendar.controls;
    calendar.timeZone.setValue(' Europe/Madrid ');
    calendar.workingDays.setValue([false, true, true, false, false, false, true]);
    calendar.holidays.push(holidayControl('2026-01-06'));
    form.controls.targets.controls.urgent.controls.firstResponse.setValue({ amount: 30, unit: 'minutes' });
    form.controls.warningPercent.setValue(90);
    form.controls.onBreach.setValue({ escalate: false, toAgentId: 'agent-7', raisePriority: true });

    const policy = toSlaPolicy(form);
    expect(policy.calendar).toEqual({
      timeZone: 'Europe/Madrid',
      workingDays: [2, 3, 7],
      workingHours: { start: '09:00', end: '18:00' },
      holidays: ['2026-01-06'],
    });
    expect(policy.targets.urgent).toEqual({ firstResponseMs: 30 * MINUTE_MS, resolutionMs: 4 * HOUR_MS });
    expect(policy.warningAt).toBe(0.9);
    expect(policy.onBreach).toEqual({ escalate: false, toAgentId: null, raisePriority: true });
  });

  it('refuses a target that is not positive and a warning outside 1–99 %', () => {
    const form = slaForm();
    fillSlaForm(form, DEFAULT_POLICY);
    expect(form.valid).toBe(true);
    form.controls.targets.controls.low.controls.resolution.controls.amount.setValue(0);
    expect(form.valid).toBe(false);
    fillSlaForm(form, DEFAULT_POLICY);
    form.controls.warningPercent.setValue(150);
    expect(form.controls.warningPercent.hasError('max')).toBe(true);
  });
});

describe('SLA settings page', () => {
  function open(): { page: HTMLElement; backend: HttpTestingController } {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const fixture = TestBed.createComponent(SlaSettings);
    fixture.detectChanges();
    const backend = TestBed.inject(HttpTestingController);
    backend.expectOne('/api/v2/config/sla').flush({ success: true, policy: OFFICE_POLICY });
    fixture.detectChanges();
    return { page: fixture.nativeElement as HTMLElement, backend };
  }

  afterEach(() => vi.restoreAllMocks());

  it('shows the stored policy and saves the edited one with PUT /config/sla', () => {
    const { page, backend } = open();
    const zone = page.querySelector<HTMLInputElement>('[data-testid="sla-time-zone"]');
    expect(zone?.value).toBe('America/Mexico_City');
    expect(page.querySelector<HTMLInputElement>('[data-testid="sla-urgent-firstResponse"]')?.value).toBe('15');
    expect(page.querySelectorAll('[data-testid="sla-holiday"]').length).toBe(2);

    page.querySelector<HTMLInputElement>('[data-testid="sla-mode-always"]')?.click();
    page.querySelector<HTMLButtonElement>('[data-testid="settings-save"]')?.click();
    const put = backend.expectOne('/api/v2/config/sla');
    expect(put.request.method).toBe('PUT');
    expect(put.request.body).toEqual({ ...OFFICE_POLICY, calendar: '24x7' });
    put.flush({ success: true, message: 'SLA policy updated successfully', policy: { ...OFFICE_POLICY, calendar: '24x7' } });
    backend.expectOne('/api/v2/config/console'); // the console's own configuration is refreshed
  });

  it('resets the policy to its default with POST /config/reset/sla_policy', () => {
    const { page, backend } = open();
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    page.querySelector<HTMLButtonElement>('[data-testid="settings-reset"]')?.click();
    const reset = backend.expectOne('/api/v2/config/reset/sla_policy');
    expect(reset.request.method).toBe('POST');
  });
});
