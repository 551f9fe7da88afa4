#include "storage/h5_tensor_io.h"

#include <filesystem>

#include "storage/h5_error.h"
#include "storage/storage_error.h"

namespace dact::storage {
namespace {

struct StoredType {
  H5::DataType file_type;
  torch::Dtype dtype;
};

StoredType stored_type_of(torch::Dtype dtype, const std::string& file, const std::string& name) {
  switch (dtype) {
    case torch::kFloat32: return {H5::PredType::IEEE_F32LE, dtype};
    case torch::kFloat64: return {H5::PredType::IEEE_F64LE, dtype};
    case torch::kFloat16: return {h5_half_type(), dtype};
    case torch::kBFloat16: return {H5::PredType::STD_U16LE, dtype};
    case torch::kInt64: return {H5::PredType::STD_I64LE, dtype};
    case torch::kInt32: return {H5::PredType::STD_I32LE, dtype};
    case torch::kInt16: return {H5::PredType::STD_I16LE, dtype};
    case torch::kInt8: return {H5::PredType::STD_I8LE, dtype};
    case torch::kUInt8: return {H5::PredType::STD_U8LE, dtype};
    case torch::kBool: return {H5::PredType::STD_U8LE, dtype};
    default:
      throw StorageError(file, "dataset '" + name + "': cannot store dtype " +
                                   std::string(c10::toString(dtype)));
  }
}

torch::Dtype dtype_of_dataset(const H5::DataSet& dataset, const std::string& file,
                              const std::string& name) {
  if (dataset.attrExists("dtype")) {
    const std::string tag = read_h5_string_attribute(dataset, "dtype");
    if (tag == "bfloat16") return torch::kBFloat16;
    if (tag == "bool") return torch::kBool;
  }
  const H5T_class_t type_class = dataset.getTypeClass();
  const size_t size = dataset.getDataType().getSize();
  if (type_class == H5T_FLOAT) {
    if (size == 2) return torch::kFloat16;
    if (size == 4) return torch::kFloat32;
    if (size == 8) return torch::kFloat64;
  } else if (type_class == H5T_INTEGER) {
    const bool is_signed = dataset.getIntType().getSign() != H5T_SGN_NONE;
    if (size == 1) return is_signed ? torch::kInt8 : torch::kUInt8;
    if (size == 2 && is_signed) return torch::kInt16;
    if (size == 4 && is_signed) return torch::kInt32;
    if (size == 8 && is_signed) return torch::kInt64;
  } else if (type_class == H5T_ENUM && size == 1) {
    return torch::kBool;  // h5py stores numpy bool as an 8-bit enum
  }
  throw StorageError(file, "dataset '" + name + "': unsupported HDF5 type (class " +
                               std::to_string(type_class) + ", " + std::to_string(size) +
                               " bytes)");
}

// The in-memory type HDF5 converts into: native for ordinary types, the stored
// type itself where no conversion applies (half, bfloat16 bits, bool enums).
H5::DataType memory_type_of(torch::Dtype dtype, const H5::DataSet& dataset) {
  switch (dtype) {
    case torch::kFloat32: return H5::PredType::NATIVE_FLOAT;
    case torch::kFloat64: return H5::PredType::NATIVE_DOUBLE;
    case torch::kInt64: return H5::PredType::NATIVE_INT64;
    case torch::kInt32: return H5::PredType::NATIVE_INT32;
    case torch::kInt16: return H5::PredType::NATIVE_INT16;
    case torch::kInt8: return H5::PredType::NATIVE_INT8;
    case torch::kUInt8: return H5::PredType::NATIVE_UINT8;
    case torch::kBFloat16: return H5::PredType::NATIVE_UINT16;
    default: return dataset.getDataType();
  }
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = path.find('/', start);
    const std::string part = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) parts.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

void collect_datasets(const H5::Group& group, const std::string& prefix,
                      std::map<std::string, torch::Tensor>& out) {
  for (hsize_t i = 0; i < group.getNumObjs(); ++i) {
    const std::string name = group.getObjnameByIdx(i);
    const std::string path = prefix.empty() ? name : prefix + "/" + name;
    switch (group.childObjType(name)) {
      case H5O_TYPE_GROUP: collect_datasets(group.openGroup(name), path, out); break;
      case H5O_TYPE_DATASET: out.emplace(path, read_h5_tensor(group, name)); break;
      default: break;
    }
  }
}

// A damaged or hostile file can declare any shape: the bytes to allocate must fit in
// the file (times deflate's largest ratio, 1032:1, when the dataset is filtered).
void check_size_within_file(const H5::DataSet& dataset, const std::vector<int64_t>& shape, size_t element_bytes,
                            const std::string& file, const std::string& name) {
  const hid_t file_id = H5Iget_file_id(dataset.getId());
  hsize_t file_bytes = 0;
  const herr_t status = H5Fget_filesize(file_id, &file_bytes);
  H5Fclose(file_id);
  if (status < 0) throw StorageError(file, "dataset '" + name + "': cannot get the file's size");
  const hid_t creation = H5Dget_create_plist(dataset.getId());
  const int filters = H5Pget_nfilters(creation);
  H5Pclose(creation);
  const long double limit_bytes = static_cast<long double>(file_bytes) * (filters > 0 ? 1032 : 1);
  long double bytes = static_cast<long double>(element_bytes);
  for (int64_t size : shape) bytes *= static_cast<long double>(size);
  if (bytes > limit_bytes) {
    std::string dims;
    for (int64_t size : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(size);
    throw StorageError(file, "dataset '" + name + "' declares shape [" + dims + "] (" +
                                 std::to_string(static_cast<double>(bytes)) + " bytes), more than the file of " +
                                 std::to_string(file_bytes) + " bytes can hold");
  }
}

}  // namespace

H5::FloatType h5_half_type() {
  H5::FloatType type(H5::PredType::IEEE_F32LE);
  type.setFields(15, 10, 5, 0, 10);
  type.setSize(2);
  type.setEbias(15);
  return type;
}

std::recursive_mutex& hdf5_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

std::string h5_file_name(const H5::H5Object& object) {
  try {
    return object.getFileName();
  } catch (const H5::Exception&) {
    return "<hdf5>";
  }
}

H5::H5File open_h5_for_reading(const std::string& path) {
  if (!std::filesystem::exists(path)) throw StorageError(path, "no such file");
  try {
    return H5::H5File(path, H5F_ACC_RDONLY);
  } catch (const H5::Exception& e) {
    throw StorageError(path, "not a readable HDF5 file (" + e.getDetailMsg() + ")");
  }
}

bool h5_has_path(const H5::Group& group, const std::string& name) {
  std::string prefix;
  for (const std::string& part : split_path(name)) {
    prefix += (prefix.empty() ? "" : "/") + part;
    if (H5Lexists(group.getId(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

torch::Tensor read_h5_tensor(const H5::Group& group, const std::string& name) {
  const std::string file = h5_file_name(group);
  if (!h5_has_path(group, name)) throw StorageError(file, "missing dataset '" + name + "'");
  try {
    const H5::DataSet dataset = group.openDataSet(name);
    const H5::DataSpace space = dataset.getSpace();
    std::vector<hsize_t> dims(space.getSimpleExtentNdims());
    space.getSimpleExtentDims(dims.data());
    const torch::Dtype dtype = dtype_of_dataset(dataset, file, name);
    std::vector<int64_t> shape(dims.begin(), dims.end());
    check_size_within_file(dataset, shape, c10::elementSize(dtype), file, name);
    torch::Tensor tensor = torch::empty(shape, torch::TensorOptions().dtype(dtype));
    if (tensor.numel() > 0) dataset.read(tensor.data_ptr(), memory_type_of(dtype, dataset));
    return tensor;
  } catch (const H5::Exception& e) {
    throw StorageError(file, "cannot read dataset '" + name + "' (" + e.getDetailMsg() + ")");
  }
}

H5::FileCreatPropList h5_untimed_file_properties() {
  H5::FileCreatPropList properties;
  H5Pset_obj_track_times(properties.getId(), false);
  return properties;
}

H5::Group create_h5_group(H5::Group& parent, const std::string& name) {
  const hid_t properties = H5Pcreate(H5P_GROUP_CREATE);
  H5Pset_obj_track_times(properties, false);
  const hid_t id = H5Gcreate2(parent.getId(), name.c_str(), H5P_DEFAULT, properties, H5P_DEFAULT);
  H5Pclose(properties);
  if (id < 0) throw H5::GroupIException("create_h5_group", "cannot create group '" + name + "'");
  H5Gclose(id);
  return parent.openGroup(name);
}

void write_h5_tensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor) {
  const std::string file = h5_file_name(group);
  const torch::Tensor data = tensor.detach().to(torch::kCPU).contiguous();
  const StoredType stored = stored_type_of(data.scalar_type(), file, name);
  try {
    const std::vector<std::string> parts = split_path(name);
    std::string parent;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      parent += (parent.empty() ? "" : "/") + parts[i];
      if (!h5_has_path(group, parent)) create_h5_group(group, parent);
    }
    std::vector<hsize_t> dims(data.sizes().begin(), data.sizes().end());
    const H5::DataSpace space = dims.empty() ? H5::DataSpace(H5S_SCALAR)
                                             : H5::DataSpace(dims.size(), dims.data());
    H5::DSetCreatPropList properties;
    H5Pset_obj_track_times(properties.getId(), false);
    H5::DataSet dataset = group.createDataSet(name, stored.file_type, space, properties);
    if (data.scalar_type() == torch::kBFloat16) write_h5_string_attribute(dataset, "dtype", "bfloat16");
    if (data.scalar_type() == torch::kBool) write_h5_string_attribute(dataset, "dtype", "bool");
    if (data.numel() > 0) dataset.write(data.data_ptr(), memory_type_of(data.scalar_type(), dataset));
  } catch (const H5::Exception& e) {
    throw StorageError(file, "cannot write dataset '" + name + "' (" + h5_error_reason(e) + ")");
  }
}

std::map<std::string, torch::Tensor> read_h5_tensors(const H5::Group& group) {
  std::map<std::string, torch::Tensor> tensors;
  collect_datasets(group, "", tensors);
  return tensors;
}

std::string read_h5_string_attribute(const H5::H5Object& object, const std::string& name) {
  const std::string file = h5_file_name(object);
  if (!object.attrExists(name)) throw StorageError(file, "missing attribute '" + name + "'");
  try {
    const H5::Attribute attribute = object.openAttribute(name);
    std::string value;
    attribute.read(attribute.getStrType(), value);
    return value;
  } catch (const H5::Exception& e) {
    throw StorageError(file, "attribute '" + name + "' is not a string (" + e.getDetailMsg() + ")");
  }
}

void write_h5_string_attribute(H5::H5Object& object, const std::string& name,
                               const std::string& value) {
  if (object.attrExists(name)) object.removeAttr(name);
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  H5::Attribute attribute = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  attribute.write(type, value);
}

}  // namespace dact::storage
