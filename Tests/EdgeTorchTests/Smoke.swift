import Testing
@testable import EdgeTorch
