import AnimaQueue
import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers `POST /webhooks/anima` on the connection's event loop, in front of Hummingbird's
/// router: the body is collected, verified and handed to the pusher here, and the answer is
/// written once Redis has the event, with no Swift task per request. (Through the router, a
/// request hops from the event loop to the cooperative pool and back, and once more for the
/// push's wait; on two cores those hops cost more than the push.) Every other request passes on
/// to Hummingbird untouched.
///
/// Answers keep the order of requests on the connection: a webhook waits until the requests
/// passed on before it are answered, and parts arriving while a webhook is being answered are
/// held, with reading paused, until its answer is written.
final class WebhookChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// A request for Hummingbird: its parts pass on.
        case passing
        /// A webhook's body being read.
        case reading(HTTPRequest, ByteBuffer)
        /// A webhook being answered; what arrives meanwhile is held.
        case answering
        /// The rest of a request already answered (too large) or broken off: dropped.
        case discarding(closeAtEnd: Bool)
    }

    private let controller: WebhookController
    private let logger: Logger
    private var state = State.idle
    /// Requests passed on to Hummingbird and not yet answered.
    private var passedOn = 0
    /// Parts not handled yet, in order.
    private var held = CircularBuffer<HTTPRequestPart>()
    /// Hummingbird asked for more input while parts were held (see ``mayRead``).
    private var readHeld = false
    /// The input ended while a webhook was in progress.
    private var inputClosedHeld = false
    /// An error that came while a webhook was in progress.
    private var heldError: (any Error)?
    /// Between a read's first part and its `channelReadComplete`. Parts passed on outside of
    /// one are followed by a `channelReadComplete` of ours: Hummingbird's reader takes what it
    /// was given only then.
    private var inReadCycle = false
    /// Parts passed on so far (wrapping).
    private var passedParts = 0

    init(controller: WebhookController, logger: Logger) {
        self.controller = controller
        self.logger = logger
    }

    /// The webhook's path, with or without a trailing slash or a query.
    static func isWebhook(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, var path = head.path?.utf8[...] else { return false }
        if let query = path.firstIndex(of: UInt8(ascii: "?")) { path = path[..<query] }
        if path.last == UInt8(ascii: "/") { path = path.dropLast() }
        return path.elementsEqual("/webhooks/anima".utf8)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadCycle = true
        held.append(unwrapInboundIn(data))
        handleHeld(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadCycle = false
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if mayRead { context.read() } else { readHeld = true }
    }

    /// Reading pauses while a webhook is answered or parts wait, so that a client pipelining
    /// behind a slow request cannot make the held parts grow without bound.
    private var mayRead: Bool {
        if case .answering = state { return false }
        return held.isEmpty
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data), passedOn > 0 {
            passedOn -= 1
            if passedOn == 0 { handleHeld(context) }
        }
    }

    /// A broken request (bad framing, data after `connection: close`): Hummingbird answers it
    /// with 400 and closes. One that breaks while a webhook's body is read ends that webhook; one
    /// that comes while a webhook is answered waits, so that the answers keep their order.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .reading = state { state = .discarding(closeAtEnd: false) }
        if isBusy {
            heldError = heldError ?? error
        } else {
            context.fireErrorCaught(error)
        }
    }

    /// The input's end (a half-close) waits behind a webhook being read or answered: passed on
    /// at once, it would make Hummingbird, which sees no request in progress, close the output
    /// before the answer is written.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent, isBusy {
            inputClosedHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A webhook is being read or answered, or parts wait.
    private var isBusy: Bool {
        switch state {
        case .reading, .answering: true
        case .idle, .passing, .discarding: !held.isEmpty
        }
    }

    /// Handles the held parts in order, until one has to wait; then passes on a held end of input
    /// once nothing is left.
    private func handleHeld(_ context: ChannelHandlerContext) {
        let passedBefore = passedParts
        defer {
            if !inReadCycle, passedParts != passedBefore { context.fireChannelReadComplete() }
        }
        while let part = held.popFirst() {
            guard handle(part, context) else {
                held.prepend(part)
                return
            }
        }
        if let error = heldError, !isBusy {
            heldError = nil
            context.fireErrorCaught(error)
        }
        if inputClosedHeld, !isBusy {
            inputClosedHeld = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        if readHeld, mayRead {
            readHeld = false
            context.read()
        }
    }

    /// Handles one part; false when it has to wait (a webhook being answered, or earlier
    /// requests not answered yet).
    private func handle(_ part: HTTPRequestPart, _ context: ChannelHandlerContext) -> Bool {
        switch (state, part) {
        case (.answering, _):
            return false
        case (.idle, .head(let head)) where Self.isWebhook(head):
            if passedOn > 0 { return false }
            if controller.isDeclaredTooLarge(head.headerFields) {
                refuseTooLarge(context)
            } else {
                state = .reading(head, ByteBuffer())
            }
        case (.reading(let head, var body), .body(let chunk)):
            state = .answering  // drops the state's reference, so that `body` grows in place
            if body.readableBytes + chunk.readableBytes > controller.maxBodyBytes {
                refuseTooLarge(context)
            } else {
                if body.readableBytes == 0 { body = chunk } else { body.writeImmutableBuffer(chunk) }
                state = .reading(head, body)
            }
        case (.reading(let head, let body), .end):
            state = .answering
            answer(head, body: body, context)
        case (.discarding(let closeAtEnd), .end):
            state = .idle
            if closeAtEnd { context.close(promise: nil) }
        case (.discarding, _):
            break
        case (.idle, .head):
            passedOn += 1
            state = .passing
            passOn(part, context)
        case (.passing, .end):
            state = .idle
            passOn(part, context)
        case (.passing, _), (.idle, _), (.reading, .head):
            // Out of order parts go to Hummingbird, whose reader refuses them.
            passOn(part, context)
        }
        return true
    }

    private func passOn(_ part: HTTPRequestPart, _ context: ChannelHandlerContext) {
        passedParts &+= 1
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func refuseTooLarge(_ context: ChannelHandlerContext) {
        write(controller.tooLarge(logger: logger), context)
        state = .discarding(closeAtEnd: true)
    }

    /// Verifies, pushes, and writes the answer once the pusher has one, back on this loop.
    private func answer(_ head: HTTPRequest, body: ByteBuffer, _ context: ChannelHandlerContext) {
        let closing = head.headerFields[.connection]?.lowercased() == "close"
        let span = controller.tracer?.start(head)
        switch controller.admit(head.headerFields, body: body, logger: logger) {
        case .refused(let answer):
            if let span { controller.tracer?.end(span, status: answer.status) }
            finish(answer, closing: closing, context)
        case .admitted(let sentAt, let receivedAt):
            let started = ContinuousClock.now
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            let (timeout, trace) = (controller.pushTimeout, span.flatMap { controller.tracer?.headers(of: $0) })
            controller.pusher.push(body, receivedAt: receivedAt, sentAt: sentAt, trace: trace, timeout: timeout, on: context.eventLoop) {
                outcome in
                let (handler, context) = bound.value
                let answer = handler.controller.answer(to: outcome, started: started, logger: handler.logger)
                if let span { handler.controller.tracer?.end(span, status: answer.status) }
                handler.finish(answer, closing: closing, context)
            }
        }
    }

    /// Writes the answer of the webhook being answered, then goes on with what was held.
    private func finish(_ answer: WebhookAnswer, closing: Bool, _ context: ChannelHandlerContext) {
        write(answer, context)
        state = .idle
        if closing {
            context.close(promise: nil)
            return
        }
        handleHeld(context)
    }

    private func write(_ answer: WebhookAnswer, _ context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
        context.write(wrapOutboundOut(.body(answer.body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
