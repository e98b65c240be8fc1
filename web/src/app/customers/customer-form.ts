import { FormControl, FormGroup, Validators } from '@angular/forms';

/** A customer's editable details, as the create and edit forms both ask them. */
export function customerDetailsForm() {
  return new FormGroup({
    phoneNumber: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    firstName: new FormControl('', { nonNullable: true }),
    lastName: new FormControl('', { nonNullable: true }),
    email: new FormControl('', { nonNullable: true }),
  });
}

/** The details' inputs, in the order shown, with their labels' message keys. */
export const CUSTOMER_FIELDS = [
  { name: 'phoneNumber', label: 'picker.phone', type: 'tel' },
  { name: 'firstName', label: 'picker.firstName', type: 'text' },
  { name: 'lastName', label: 'picker.lastName', type: 'text' },
  { name: 'email', label: 'picker.email', type: 'email' },
] as const;
