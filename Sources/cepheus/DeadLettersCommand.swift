import ArgumentParser
import CepheusCore
import CepheusServer

/// `cepheus dead-letters list|retry`: a running daemon's dead letters, through its API.
struct DeadLettersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List or re-send a running daemon's dead letters (alerts its webhooks could not take).",
        subcommands: [List.self, Retry.self]
    )

    /// Where the daemon is.
    struct Connection: ParsableArguments {
        @Option(help: "The daemon's URL.")
        var url: String = "http://127.0.0.1:8080"

        @Option(help: "The daemon's bearer token (http.token).")
        var token: String?
    }

    /// `cepheus dead-letters list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the dead letters (GET /v1/dead-letters) as JSON: each alert with its deliveries.")

        @OptionGroup var connection: Connection

        @Option(help: "Only those of this receiver.")
        var receiver: String?

        func run() throws {
            let path = "/v1/dead-letters" + (receiver.map { "?receiver=" + $0 } ?? "")
            print(try DeadLettersCommand.call("GET", path: path, connection: connection, body: []))
        }
    }

    /// `cepheus dead-letters retry`
    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-send dead letters (POST /v1/dead-letters/retry): all, one receiver's, or one alert's.",
            discussion: "Prints {\"retried\":N}. Each gets a fresh max_age and is sent at once.")

        @OptionGroup var connection: Connection

        @Option(help: "Only the dead letters of this receiver.")
        var receiver: String?

        @Option(help: "Only this alert id.")
        var id: String?

        func run() throws {
            var fields: [(String, Value)] = []
            if let receiver { fields.append(("receiver", .string(receiver))) }
            if let id { fields.append(("id", .string(id))) }
            let body = Array(Value.object(JSONObject(fields)).jsonString.utf8)
            print(try DeadLettersCommand.call("POST", path: "/v1/dead-letters/retry", connection: connection, body: body))
        }
    }

    static func call(_ method: String, path: String, connection: Connection, body: [UInt8]) throws -> String {
        do {
            let response = try PlainHTTPClient.request(method, url: connection.url, path: path, token: connection.token, body: body)
            guard response.status == 200 else {
                StandardError.write("error: the daemon answered \(response.status): \(response.body)\n")
                throw ExitCode(2)
            }
            return response.body
        } catch let error as PlainHTTPClient.Failure {
            StandardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
    }
}
