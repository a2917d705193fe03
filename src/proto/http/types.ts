/** One HTTP/1.x request with its response (either side may be missing when the capture lacks it). */
export interface HttpTransaction {
  method?: string;
  uri?: string;
  protocol?: string;
  hostname?: string;
  userAgent?: string;
  /** Request headers in order, names as sent. */
  requestHeaders: Array<[string, string]>;
  requestBodyLength: number;
  status?: number;
  responseProtocol?: string;
  contentType?: string;
  /** Response headers in order. */
  responseHeaders: Array<[string, string]>;
  /** Response body bytes seen (after de-chunking when chunked). */
  responseBodyLength: number;
  redirect?: string;
}
