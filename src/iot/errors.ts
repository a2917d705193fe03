/** What a device-control request can run into, each with the HTTP status the API answers it with. */
import { InputError, OperationalError } from '../framework/errors.js';

/** no valid authorisation for this step; nothing was sent to the device. */
export class NotAuthorised extends InputError {
  readonly status = 403;
}

/** A request that is malformed for its step (a `set` without a key, power neither on nor off). */
export class BadStep extends InputError {
  readonly status = 400;
}

export class UnknownDevice extends InputError {
  readonly status = 404;
}

/** The device speaks none of the protocols asked for (or none is known yet). */
export class NoProtocol extends InputError {
  readonly status = 409;
}

/** The device did not answer or refused the request. */
export class DeviceFailure extends OperationalError {
  readonly status = 502;
}
