import CausalFairABI
import CausalFairCore

/// The heap object behind an SCM handle.
final class SCMBox {
    var model: StructuralCausalModel
    init(_ model: StructuralCausalModel) { self.model = model }
}

/// The heap object behind a model handle.
final class ModelBox {
    var model: MultilayerPerceptron
    init(_ model: MultilayerPerceptron) { self.model = model }
}

/// Handle conversions. A handle is a retained Swift object; the caller (the CPython
/// shim) guarantees it is live, and the kind is checked with a dynamic cast.
enum Handles {
    static func retain(_ object: AnyObject) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(object).toOpaque()
    }

    static func release(_ pointer: UnsafeMutableRawPointer?) {
        guard let pointer else { return }
        Unmanaged<AnyObject>.fromOpaque(pointer).release()
    }

    static func object(_ pointer: UnsafeMutableRawPointer?) -> AnyObject? {
        guard let pointer else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// The SCM behind `pointer`, or `invalidType`.
    static func scm(_ pointer: UnsafeMutableRawPointer?) throws -> SCMBox {
        guard let box = object(pointer) as? SCMBox else {
            throw CausalFairError.invalidType("expected an SCM handle")
        }
        return box
    }

    /// The model behind `pointer`, or `invalidType`.
    static func model(_ pointer: UnsafeMutableRawPointer?) throws -> ModelBox {
        guard let box = object(pointer) as? ModelBox else {
            throw CausalFairError.invalidType("expected a model handle")
        }
        return box
    }
}

@_cdecl("cf_version")
public func cf_version() -> UnsafePointer<CChar> {
    let version: StaticString = "0.1.0"
    return UnsafeRawPointer(version.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("cf_handle_kind")
public func cf_handle_kind(_ handle: UnsafeMutableRawPointer?) -> Int32 {
    switch object(handle) {
    case is SCMBox: return Int32(CF_HANDLE_SCM)
    case is ModelBox: return Int32(CF_HANDLE_MODEL)
    default: return Int32(CF_HANDLE_NONE)
    }
}

private func object(_ handle: UnsafeMutableRawPointer?) -> AnyObject? { Handles.object(handle) }
