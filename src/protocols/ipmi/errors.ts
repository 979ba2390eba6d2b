/**
 * Typed failures of the IPMI client. Kinds mirror BmcErrorKind so the provider maps them
 * one-to-one; messages name the BMC and the command, never the password.
 */
export type IpmiErrorKind = 'timeout' | 'auth' | 'privilege' | 'busy' | 'unsupported' | 'protocol'

export class IpmiError extends Error {
  constructor(
    readonly kind: IpmiErrorKind,
    message: string,
    readonly completionCode?: number,
  ) {
    super(message)
    this.name = 'IpmiError'
  }
}
