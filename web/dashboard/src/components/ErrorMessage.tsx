export function ErrorMessage({ message, title }: { message: string; title?: string }) {
  return (
    <div className="error" role="alert" data-testid="error-message">
      {title && <strong>{title}: </strong>}
      {message}
    </div>
  );
}
