import Foundation

/// The service's contract, `openapi.yaml` (OpenAPI 3.1) next to this file, served at `/openapi.yaml`.
public enum OpenAPIDocument {
  public static let yaml: String = {
    guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let text = try? String(contentsOf: url, encoding: .utf8) else {
      return "openapi: 3.1.0\ninfo: {title: Replenish stock service, version: unavailable}\npaths: {}\n"
    }
    return text
  }()
}
