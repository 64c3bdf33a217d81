// Receives Precinct enterprise alerts from the integrator gateway, over CURVE, with the Bus
// module (a thin libzmq wrapper). The same program as Examples/python/subscriber.py:
//
//   precinct-example-subscriber --endpoint tcp://precinct.example:7403 \
//       --server-key '<liaison public key>' --key acme.key \
//       --subscribe alert.enterprise.E0042 --subscribe cap.enterprise.E0042
//
// Each message is three frames: topic, header (JSON), payload (JSON; CAP 1.2 XML on cap.*).
// One JSON line per message goes to standard output.
import ArgumentParser
import Bus
import Foundation

@main
struct ExampleSubscriber: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-example-subscriber",
        abstract: "Print the integrator-gateway messages your key may read, one JSON line each.")

    @Option(help: "The gateway, e.g. tcp://127.0.0.1:7403.") var endpoint: String
    @Option(help: "The gateway's (liaison's) public key, Z85.") var serverKey: String
    @Option(help: "Your key file, from `precinct keys generate`.") var key: String
    @Option(help: "A topic prefix inside your grants (repeatable).") var subscribe: [String]
    @Option(help: "Exit after this many messages (0: never).") var count = 0
    @Option(help: "Exit with status 1 after this many seconds (0: never).") var timeout: Double = 0

    func run() throws {
        let keyPair = try CurveKeyPair.load(from: URL(fileURLWithPath: key))
        let context = try ZMQContext()
        let sub = try Socket(context, .sub)
        defer { sub.close() }
        try sub.makeCurveClient(keyPair, serverKey: serverKey)
        for prefix in subscribe { try sub.subscribe(prefix) }
        try sub.connect(endpoint)

        let deadline = timeout > 0 ? ContinuousClock.now + .milliseconds(Int(timeout * 1000)) : nil
        let poller = Poller()
        var received = 0
        while count == 0 || received < count {
            if let deadline, ContinuousClock.now >= deadline {
                FileHandle.standardError.write(Data("timed out after \(timeout) s with \(received) message(s)\n".utf8))
                throw ExitCode(1)
            }
            // A blocking poll is fine here: this program's only thread does nothing else.
            guard try !poller.poll([.socket(sub)], timeout: .milliseconds(200)).isEmpty,
                let frames = try sub.receiveMultipart(dontWait: true)
            else { continue }
            guard frames.count == 3 else {
                FileHandle.standardError.write(Data("ignored a message of \(frames.count) frames\n".utf8))
                continue
            }
            let topic = String(decoding: frames[0], as: UTF8.self)
            let payload: Any =
                topic.hasPrefix("cap.")
                ? String(decoding: frames[2], as: UTF8.self)
                : try JSONSerialization.jsonObject(with: Data(frames[2]))
            let line: [String: Any] = ["topic": topic, "header": try JSONSerialization.jsonObject(with: Data(frames[1])), "payload": payload]
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            received += 1
        }
    }
}
