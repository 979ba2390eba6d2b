/** Opt-in for slow UEFI runs (OVMF under TCG): skip reason unless BMPCTL_E2E_UEFI=1. */
export function needsUefiOptIn(): string | false {
  return process.env.BMPCTL_E2E_UEFI === '1' ? false : 'slow UEFI boot under TCG (OVMF); set BMPCTL_E2E_UEFI=1 to run it'
}
