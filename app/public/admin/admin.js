// The console's only script (CONTRACT-admin §1: every action works without it): confirm
// dialogs on dangerous forms, and the dashboard's charts (Chart.js, served by the app).
/* eslint-env browser */
'use strict';
document.addEventListener('DOMContentLoaded', function() {
  document.querySelectorAll('form[data-confirm]').forEach(function(form) {
    form.addEventListener('submit', function(event) {
      // eslint-disable-next-line no-alert
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
  if (typeof window.Chart !== 'function') return;
  document.querySelectorAll('canvas[data-chart]').forEach(function(canvas) {
    const figures = JSON.parse(canvas.getAttribute('data-chart'));
    const minutes = canvas.getAttribute('data-kind') === 'minutes';
    new window.Chart(canvas, {
      type: minutes ? 'line' : 'bar',
      data: {
        labels: minutes ? figures.minutes : figures.days,
        datasets: [
          { label: canvas.getAttribute('data-messages'), data: minutes ? figures.messagesPerMinute : figures.messagesPerDay, borderColor: '#1d3557', backgroundColor: '#457b9d' },
          { label: canvas.getAttribute('data-registrations'), data: minutes ? figures.registrationsPerMinute : figures.registrationsPerDay, borderColor: '#9b1c1c', backgroundColor: '#e76f51' },
        ],
      },
      options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  });
});
