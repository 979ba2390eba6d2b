export * from './options.js'
export * from './packet.js'
export * from './pxe.js'
export {DhcpDecodeError, decodeSubOptions, encodeSubOptions} from './values.js'
